package org.infopro.data.config;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A job's command line, read against the job's declared {@link Opt}s. picocli's programmatic API splits the
 * arguments ({@code --name value} and {@code --name=value}); each Opt converts and checks its own value.
 * Every error is one line that names the job, the option, the bad value and what is expected, and is a
 * {@link ConfigException}. A config is built by {@link #parse(String, List, String[], Function)}, which also
 * refuses a build that leaves a declared option unread, so no option can be accepted and then ignored.
 */
public final class Options {
    private final String job;
    private final Map<String, Opt<?>> declared = new LinkedHashMap<>();
    private final Map<String, String> given;
    private final Set<String> read = new HashSet<>();

    private Options(String job, List<Opt<?>> opts, Map<String, String> given) {
        this.job = job;
        for (Opt<?> o : opts) {
            if (declared.put(o.name(), o) != null) {
                throw new IllegalArgumentException(job + ": --" + o.name() + " is declared twice");
            }
        }
        this.given = given;
    }

    /**
     * Parses {@code args} against {@code opts} and builds the config with {@code build}, which reads the values
     * with {@link #get}. Unknown options, missing values, missing required options and bad values throw a
     * {@link ConfigException}; an option that {@code build} never reads is a programming error
     * ({@link IllegalStateException}), caught by any test that parses the job's options.
     */
    public static <C> C parse(String job, List<Opt<?>> opts, String[] args, Function<Options, C> build) {
        Options o = new Options(job, opts, split(job, opts, args));
        for (Opt<?> opt : opts) {
            if (opt.required() && !o.given.containsKey(opt.name())) {
                throw new ConfigException(job + ": missing required option '--" + opt.name() + " " + opt.metavar()
                        + "' (" + opt.doc() + ").");
            }
        }
        C config = build.apply(o);
        List<String> unread = o.declared.keySet().stream().filter(n -> !o.read.contains(n)).map(n -> "--" + n).toList();
        if (!unread.isEmpty()) {
            throw new IllegalStateException(job + ": options declared but never read: " + String.join(", ", unread)
                    + "; read them when building the config, or remove them");
        }
        return config;
    }

    /** The option's value: the one given, else its default. The option must be one of the declared ones. */
    public <T> T get(Opt<T> opt) {
        if (declared.get(opt.name()) != opt) {
            throw new IllegalArgumentException(job + ": " + opt + " is read but not declared");
        }
        read.add(opt.name());
        String text = given.get(opt.name());
        return text == null ? opt.check(job, opt.defaultValue()) : opt.parse(job, text);
    }

    /** True when the command line gave {@code opt} (its value is not the default). */
    public boolean given(Opt<?> opt) {
        if (declared.get(opt.name()) != opt) {
            throw new IllegalArgumentException(job + ": " + opt + " is asked for but not declared");
        }
        return given.containsKey(opt.name());
    }

    /**
     * The option's value: the one given, else {@code defaultText} read by the option as if it had been given (for a
     * default that depends on other options, such as a network family's recipe), else the option's own default
     * when {@code defaultText} is null. A bad {@code defaultText} fails like a bad value on the command line.
     */
    public <T> T getOr(Opt<T> opt, String defaultText) {
        T value = get(opt);
        return given(opt) || defaultText == null ? value : opt.parse(job, defaultText);
    }

    /** The job's name, for the messages of checks that span several options. */
    public String job() {
        return job;
    }

    /** True when the arguments ask for help, which is answered before anything is validated. */
    public static boolean wantsHelp(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
    }

    /** The help text: usage line, summary and one line per option with what it accepts and its default. */
    public static String help(String job, String summary, List<Opt<?>> opts) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: submit/infopro ").append(job).append(" [options]\n\n").append(summary).append("\n\nOptions:\n");
        for (Opt<?> o : opts) {
            String left = "  --" + o.name() + " " + o.metavar();
            sb.append(String.format(Locale.ROOT, "%-30s %s", left, o.doc()));
            String facts = facts(o);
            if (!facts.isEmpty()) {
                sb.append(" (").append(facts).append(")");
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%-30s %s%n", "  --help", "Show this help and exit."));
        return sb.toString();
    }

    private static <T> String facts(Opt<T> o) {
        List<String> facts = new ArrayList<>();
        if (o.showsExpected()) {
            facts.add(o.expected());
        }
        if (o.required()) {
            facts.add("required");
        } else {
            String d = o.format(o.defaultValue());
            if (!d.isEmpty()) {
                facts.add("default: " + d);
            }
        }
        return String.join("; ", facts);
    }

    /** The text given for each option, by name (the last one when an option is repeated). */
    private static Map<String, String> split(String job, List<Opt<?>> opts, String[] args) {
        CommandSpec spec = CommandSpec.create();
        for (Opt<?> o : opts) {
            spec.addOption(OptionSpec.builder("--" + o.name()).paramLabel(o.metavar()).type(String.class).arity("1").build());
        }
        CommandLine cli = new CommandLine(spec);
        cli.setExpandAtFiles(false); // a value may start with @
        cli.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as in spark-submit
        try {
            ParseResult r = cli.parseArgs(args);
            Map<String, String> given = new LinkedHashMap<>();
            for (OptionSpec o : r.matchedOptions()) {
                given.put(o.longestName().substring(2), o.getValue());
            }
            return given;
        } catch (UnmatchedArgumentException e) {
            String arg = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
            if (arg.startsWith("--")) {
                String name = arg.substring(2).split("=", 2)[0];
                throw new ConfigException(job + ": unknown option '--" + name + "'. Valid options: "
                        + opts.stream().map(o -> "--" + o.name()).collect(Collectors.joining(", ")) + ".");
            }
            throw new ConfigException(job + ": unexpected argument '" + arg + "'. Options start with --; see '"
                    + job + " --help'.");
        } catch (MissingParameterException e) {
            ArgSpec missing = e.getMissing().get(0);
            String name = ((OptionSpec) missing).longestName();
            throw new ConfigException(job + ": option '" + name + "' needs a value (" + missing.paramLabel() + ").");
        } catch (ParameterException e) {
            throw new ConfigException(job + ": " + e.getMessage() + "; see '" + job + " --help'.");
        }
    }
}
