package org.infopro.data.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One command-line option, declared once: its name, metavar, one-line doc, default and the values it
 * accepts. {@link Options} derives the parser, {@code --help} and the error messages from it, and config
 * records check the values they were built with through {@link #check}, so a range exists in one place.
 *
 * @param <T> the type of the option's value
 */
public final class Opt<T> {
    private static final String AUTO = "auto";
    private final String name;
    private final String metavar;
    private final String doc;
    /** Null for a required option. */
    private final Supplier<T> defaultValue;
    /** Text to value; throws (any RuntimeException) when the text is malformed. */
    private final Function<String, T> convert;
    private final Predicate<T> accepts;
    /** What {@link #accepts} allows, in words: "an integer in [1, 100000]". */
    private final String expected;
    /** True when --help shows {@link #expected}; free text says nothing. */
    private final boolean showsExpected;
    private final Function<T, String> format;

    private Opt(String name, String metavar, String doc, Supplier<T> defaultValue, Function<String, T> convert,
                Predicate<T> accepts, String expected, boolean showsExpected, Function<T, String> format) {
        this.name = name;
        this.metavar = metavar;
        this.doc = doc;
        this.defaultValue = defaultValue;
        this.convert = convert;
        this.accepts = accepts;
        this.expected = expected;
        this.showsExpected = showsExpected;
        this.format = format;
    }

    /** An integer in [min, max]. */
    public static Opt<Integer> intIn(String name, String metavar, String doc, int defaultValue, int min, int max) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, Integer::parseInt, x -> x >= min && x <= max,
                integers(min, max, Integer.MIN_VALUE, Integer.MAX_VALUE), true, String::valueOf);
    }

    /** A long integer in [min, max]. */
    public static Opt<Long> longIn(String name, String metavar, String doc, long defaultValue, long min, long max) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, Long::parseLong, x -> x >= min && x <= max,
                integers(min, max, Long.MIN_VALUE, Long.MAX_VALUE), true, String::valueOf);
    }

    /** A number in [min, max]. */
    public static Opt<Double> doubleIn(String name, String metavar, String doc, double defaultValue, double min, double max) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, Opt::parseDouble, x -> x >= min && x <= max,
                "a number in [" + number(min) + ", " + number(max) + "]", true, Opt::number);
    }

    /** A fraction above 0 and at most 1. */
    public static Opt<Double> fraction(String name, String metavar, String doc, double defaultValue) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, Opt::parseDouble, x -> x > 0 && x <= 1,
                "a fraction above 0 and at most 1, such as 0.25", true, Opt::number);
    }

    /** true or false. */
    public static Opt<Boolean> bool(String name, String doc, boolean defaultValue) {
        return new Opt<>(name, "BOOL", doc, () -> defaultValue, Opt::parseBool, x -> true, "true or false", true,
                String::valueOf);
    }

    /** One of the constants of the default's enum, by label. */
    public static <E extends Enum<E>> Opt<E> choice(String name, String metavar, String doc, E defaultValue,
                                                    Function<E, String> label) {
        return choice(name, metavar, doc, defaultValue, EnumSet.allOf(defaultValue.getDeclaringClass()), label);
    }

    /** One of {@code allowed}, by label. */
    public static <E extends Enum<E>> Opt<E> choice(String name, String metavar, String doc, E defaultValue,
                                                    Collection<E> allowed, Function<E, String> label) {
        List<E> valid = List.copyOf(allowed);
        return new Opt<>(name, metavar, doc, () -> defaultValue, text -> byLabel(valid, label, text), valid::contains,
                "one of " + labels(valid, label), true, label);
    }

    /** {@code auto} (an empty Optional: another option decides) or one of the constants of {@code type}, by label. */
    public static <E extends Enum<E>> Opt<Optional<E>> choiceOrAuto(String name, String metavar, String doc, Class<E> type,
                                                                   Function<E, String> label) {
        List<E> valid = List.of(type.getEnumConstants());
        return new Opt<>(name, metavar, doc, Optional::empty,
                text -> text.equalsIgnoreCase(AUTO) ? Optional.empty() : Optional.of(byLabel(valid, label, text)), x -> true,
                "one of " + AUTO + ", " + labels(valid, label), true, x -> x.map(label).orElse(AUTO));
    }

    /**
     * A comma-separated, non-empty list of the constants of {@code type}, by label; repeats are dropped.
     */
    public static <E extends Enum<E>> Opt<List<E>> list(String name, String metavar, String doc, List<E> defaultValue,
                                                        Class<E> type, Function<E, String> label) {
        List<E> valid = List.of(type.getEnumConstants());
        return new Opt<>(name, metavar, doc, () -> defaultValue,
                text -> items(text).stream().map(t -> byLabel(valid, label, t)).distinct().toList(),
                l -> !l.isEmpty() && valid.containsAll(l), "a comma-separated list of " + labels(valid, label), true,
                l -> l.stream().map(label).collect(Collectors.joining(",")));
    }

    /** A comma-separated, non-empty list of integers in [min, max]. */
    public static Opt<List<Integer>> intList(String name, String metavar, String doc, List<Integer> defaultValue,
                                             int min, int max) {
        return new Opt<>(name, metavar, doc, () -> defaultValue,
                text -> items(text).stream().map(Integer::parseInt).toList(),
                l -> !l.isEmpty() && l.stream().allMatch(x -> x >= min && x <= max),
                "a comma-separated list of integers in [" + min + ", " + max + "]", true,
                l -> l.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }

    /** A comma-separated, non-empty list of names; repeats are dropped. */
    public static Opt<List<String>> names(String name, String metavar, String doc, List<String> defaultValue) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, text -> items(text).stream().distinct().toList(),
                l -> !l.isEmpty() && l.stream().noneMatch(String::isBlank), "a comma-separated list of names", false,
                l -> String.join(",", l));
    }

    /** Any text, trimmed; empty is allowed (it usually means "derived from another option"). */
    public static Opt<String> string(String name, String metavar, String doc, String defaultValue) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, text -> text, x -> true, "any text", false, x -> x);
    }

    /** Non-empty text, trimmed. */
    public static Opt<String> text(String name, String metavar, String doc, String defaultValue) {
        return new Opt<>(name, metavar, doc, () -> defaultValue, text -> text, x -> !x.isEmpty(), "a non-empty value",
                false, x -> x);
    }

    /** Non-empty text that must be given: there is no default. */
    public static Opt<String> required(String name, String metavar, String doc) {
        return new Opt<>(name, metavar, doc, null, text -> text, x -> !x.isEmpty(), "a non-empty value", false, x -> x);
    }

    /** This option accepting only what {@code rule} also allows, described as {@code expected}. */
    public Opt<T> where(Predicate<T> rule, String expected) {
        return new Opt<>(name, metavar, doc, defaultValue, convert, accepts.and(rule), expected, true, format);
    }

    /** This option with a default known only at run time, such as the machine's thread count. */
    public Opt<T> withDefault(Supplier<T> value) {
        return new Opt<>(name, metavar, doc, value, convert, accepts, expected, showsExpected, format);
    }

    public String name() {
        return name;
    }

    public String metavar() {
        return metavar;
    }

    public String doc() {
        return doc;
    }

    public boolean required() {
        return defaultValue == null;
    }

    /** The default value; null for a required option. */
    public T defaultValue() {
        return defaultValue == null ? null : defaultValue.get();
    }

    /** What the option accepts, in words, as --help and errors say it. */
    public String expected() {
        return expected;
    }

    boolean showsExpected() {
        return showsExpected;
    }

    /** The value as it would be written on the command line. */
    public String format(T value) {
        return format.apply(value);
    }

    /** Parses the text given on {@code job}'s command line, or throws the one-line error. */
    public T parse(String job, String text) {
        T value;
        try {
            value = convert.apply(text.trim());
        } catch (RuntimeException e) {
            throw invalid(job, text);
        }
        if (value == null || !accepts.test(value)) {
            throw invalid(job, text);
        }
        return value;
    }

    /** Checks a value built in code, by the same rule and with the same message as on the command line. */
    public T check(String job, T value) {
        if (value == null || !accepts.test(value)) {
            throw invalid(job, value == null ? "null" : format.apply(value));
        }
        return value;
    }

    /** The error for a bad value: it names the job, the option, the value and what is expected. */
    public ConfigException invalid(String job, String text) {
        return new ConfigException(job + ": invalid --" + name + " '" + text + "': expected " + expected + ".");
    }

    @Override
    public String toString() {
        return "--" + name;
    }

    private static String integers(long min, long max, long lowest, long highest) {
        if (min == lowest && max == highest) {
            return "an integer";
        }
        return max == highest ? "an integer >= " + min : "an integer in [" + min + ", " + max + "]";
    }

    private static double parseDouble(String text) {
        double x = Double.parseDouble(text);
        if (Double.isNaN(x)) {
            throw new NumberFormatException(text);
        }
        return x;
    }

    private static boolean parseBool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    /** 0.0001 rather than 1.0E-4, 100 rather than 100.0. */
    static String number(double x) {
        return Double.isInfinite(x) ? String.valueOf(x) : BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }

    private static <E> E byLabel(List<E> valid, Function<E, String> label, String text) {
        for (E e : valid) {
            if (label.apply(e).equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException(text);
    }

    private static <E> String labels(List<E> valid, Function<E, String> label) {
        return valid.stream().map(label).collect(Collectors.joining(", "));
    }

    private static List<String> items(String text) {
        List<String> out = new ArrayList<>();
        for (String s : Arrays.asList(text.split(","))) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
