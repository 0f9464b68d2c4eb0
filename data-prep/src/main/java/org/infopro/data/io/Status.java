package org.infopro.data.io;

import com.fasterxml.jackson.annotation.JsonValue;
import org.infopro.data.config.ConfigException;

import java.util.Locale;

/**
 * How a job ended, as every result (printed JSON and result.json) records it: written in lowercase
 * ({@code "status": "ok"}), because orchestrators compare the text. In YARN and Kubernetes cluster modes
 * only zero or non-zero reaches the caller, so this field is where invalid input and a failed run differ.
 */
public enum Status {
    /** The job did its work. */
    OK,
    /** The output already existed, complete and made with the same options, and {@code --if-exists skip-ok} (or train's
     * {@code resume}) kept it; nothing was done. */
    SKIPPED,
    /** The job broke while running (exit code 1). */
    FAILED,
    /** The input or configuration was refused (exit code 2); the error says what to change. */
    INVALID;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status of a job that threw {@code e}: invalid for a {@link ConfigException}, else failed. */
    public static Status of(Throwable e) {
        return e instanceof ConfigException ? INVALID : FAILED;
    }
}
