package org.infopro.data.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A job's command-line options: every knob has a name, a one-line doc and a default, and is parsed and
 * checked once, here at the boundary. Typed getters turn the text into values or throw a
 * {@link ConfigException} that names the option, the bad value and what is expected.
 */
public final class Options {

    /** One option, {@code --name VALUE}. A null default means required. */
    public record Spec(String name, String metavar, String doc, String defaultValue) {
        public static Spec of(String name, String metavar, String doc, String defaultValue) {
            return new Spec(name, metavar, doc, defaultValue);
        }

        public static Spec required(String name, String metavar, String doc) {
            return new Spec(name, metavar, doc, null);
        }
    }

    private final String job;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    private Options(String job, List<Spec> specs) {
        this.job = job;
        for (Spec s : specs) {
            this.specs.put(s.name(), s);
        }
    }

    /** Parses {@code args} against {@code specs}; unknown options and missing values are errors. */
    public static Options parse(String job, List<Spec> specs, String[] args) {
        Options o = new Options(job, specs);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new ConfigException(job + ": unexpected argument '" + a + "'. Options start with --; see '"
                        + job + " --help'.");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Spec spec = o.specs.get(name);
            if (spec == null) {
                throw new ConfigException(job + ": unknown option '--" + name + "'. Valid options: "
                        + o.specs.keySet().stream().map(n -> "--" + n).collect(Collectors.joining(", ")) + ".");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException(job + ": option '--" + name + "' needs a value (" + spec.metavar() + ").");
                }
                value = args[++i];
            }
            o.values.put(name, value);
        }
        for (Spec s : o.specs.values()) {
            if (s.defaultValue() == null && !o.values.containsKey(s.name())) {
                throw new ConfigException(job + ": missing required option '--" + s.name() + " " + s.metavar()
                        + "' (" + s.doc() + ").");
            }
        }
        return o;
    }

    /** True when the arguments ask for help, which is answered before anything is validated. */
    public static boolean wantsHelp(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    /** The help text: usage line, summary and one line per option with its default. */
    public static String help(String job, String summary, List<Spec> specs) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: submit/infopro ").append(job).append(" [options]\n\n").append(summary).append("\n\nOptions:\n");
        for (Spec s : specs) {
            String left = "  --" + s.name() + " " + s.metavar();
            sb.append(String.format(Locale.ROOT, "%-30s %s", left, s.doc()));
            if (s.defaultValue() == null) {
                sb.append(" (required)");
            } else if (!s.defaultValue().isEmpty()) {
                sb.append(" (default: ").append(s.defaultValue()).append(")");
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%-30s %s%n", "  --help", "Show this help and exit."));
        return sb.toString();
    }

    public String string(String name) {
        Spec s = spec(name);
        return values.getOrDefault(name, s.defaultValue());
    }

    public int intIn(String name, int min, int max) {
        return (int) longIn(name, min, max);
    }

    public long longIn(String name, long min, long max) {
        String v = string(name);
        try {
            long x = Long.parseLong(v.trim());
            if (x < min || x > max) {
                throw bad(name, v, "an integer in [" + min + ", " + max + "]");
            }
            return x;
        } catch (NumberFormatException e) {
            throw bad(name, v, "an integer in [" + min + ", " + max + "]");
        }
    }

    public double doubleIn(String name, double min, double max) {
        String v = string(name);
        try {
            double x = Double.parseDouble(v.trim());
            if (!(x >= min && x <= max)) {
                throw bad(name, v, "a number in [" + min + ", " + max + "]");
            }
            return x;
        } catch (NumberFormatException e) {
            throw bad(name, v, "a number in [" + min + ", " + max + "]");
        }
    }

    /** A closed choice: the error lists the valid values. */
    public <E extends Enum<E>> E choice(String name, Class<E> type, Function<E, String> label) {
        String v = string(name);
        List<String> valid = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            if (label.apply(e).equalsIgnoreCase(v.trim())) {
                return e;
            }
            valid.add(label.apply(e));
        }
        throw bad(name, v, "one of " + String.join(", ", valid));
    }

    public String nonBlank(String name) {
        String v = string(name);
        if (v == null || v.isBlank()) {
            throw bad(name, String.valueOf(v), "a non-empty value");
        }
        return v.trim();
    }

    public ConfigException bad(String name, String value, String expected) {
        return new ConfigException(job + ": invalid --" + name + " '" + value + "': expected " + expected + ".");
    }

    private Spec spec(String name) {
        Spec s = specs.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no option spec named " + name);
        }
        return s;
    }
}
