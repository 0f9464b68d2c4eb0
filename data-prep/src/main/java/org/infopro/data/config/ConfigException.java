package org.infopro.data.config;

/**
 * Invalid input or configuration: a bad option value, a missing file, a dataset that does not match
 * what a job needs. Entry points map it to exit code 2, distinct from runtime failures (exit 1).
 * The message names the bad value, what was expected, and the fix.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
