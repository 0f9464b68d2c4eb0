package org.infopro.data.io;

import org.infopro.data.config.Opt;

import java.util.List;
import java.util.Locale;

/**
 * What a job does when its output already exists ({@code --if-exists}). An orchestrator's retry runs the same
 * command line again, so {@link #SKIP_OK} and {@link #RESUME} are the modes that are right both for a first attempt
 * and for a retry: neither reports success over a failed or partial run, and neither refuses to start.
 */
public enum WriteMode {
    /** Refuse to run (the default: nothing is ever replaced by accident). */
    ERROR,
    /** Replace the existing output, once the new one is complete. */
    OVERWRITE,
    /**
     * Keep an existing output when it is complete and ok and was made with the same config ({@link ConfigHash});
     * replace a failed or incomplete one; refuse one made with another config.
     */
    SKIP_OK,
    /** Train only: continue from the last checkpoint, or start when there is none; a finished ok run is kept. */
    RESUME;

    /** The modes of jobs whose output appears complete or not at all (prep): everything but {@link #RESUME}. */
    public static final List<WriteMode> ATOMIC = List.of(ERROR, OVERWRITE, SKIP_OK);

    /** {@code --if-exists} for a job with an atomic output folder. */
    public static Opt<WriteMode> option(String what) {
        return Opt.choice("if-exists", "WHAT", "If " + what + " exists: error refuses; overwrite replaces it once the new one "
                + "is complete; skip-ok keeps it when it is complete and made with the same options (the retry-safe choice for "
                + "orchestrators), and refuses one made with other options.", ERROR, ATOMIC, WriteMode::label);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
