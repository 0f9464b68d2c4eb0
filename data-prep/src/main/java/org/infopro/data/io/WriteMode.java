package org.infopro.data.io;

/** What a job does when its output already exists. */
public enum WriteMode {
    /** Replace the existing output, once the new one is complete. */
    OVERWRITE,
    /** Leave the existing output alone and report the run as skipped. */
    SKIP,
    /** Refuse to run (the default: nothing is ever replaced by accident). */
    ERROR;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
