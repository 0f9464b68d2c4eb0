package org.infopro.data.config;

import java.util.List;
import java.util.function.Function;

/**
 * A job's command-line face, one per config record: the job's name, a one-line title for the job list, the
 * summary that heads its {@code --help}, its declared options, and how a config is built from them.
 *
 * @param <C> the job's config record
 */
public record JobSpec<C>(String name, String title, String summary, List<Opt<?>> options, Function<Options, C> build) {
    public JobSpec {
        options = List.copyOf(options);
    }

    /** The config of {@code args}, parsed and validated; a {@link ConfigException} says what is wrong. */
    public C parse(String[] args) {
        return Options.parse(name, options, args, build);
    }

    public String help() {
        return Options.help(name, summary, options);
    }
}
