package org.infopro.data.image;

import java.util.Locale;

/**
 * An input that is not a usable image. The prep jobs quarantine it with {@link #reason()} and
 * {@link #stage()} instead of failing; nothing else about a bad file should crash a job.
 */
public final class BadImageException extends Exception {

    /** Why an input was rejected; the label is what quarantine records carry. */
    public enum Reason {
        /** The file has zero bytes. */
        EMPTY_FILE,
        /** The content is not a supported image format (checked from the bytes, not the name). */
        NOT_AN_IMAGE,
        /** The encoded data ends early (a JPEG without its end, a PNG missing chunks). */
        TRUNCATED,
        /** The decoder rejected the data. */
        CORRUPT,
        /** The header declares more pixels than the configured limit; never decoded. */
        TOO_MANY_PIXELS,
        /** A well-formed image of a kind we do not convert (e.g. an unknown colour space). */
        UNSUPPORTED,
        /** A segmentation mask is missing for its image. */
        MASK_MISSING,
        /** A segmentation mask's size differs from its image's. */
        MASK_SIZE_MISMATCH,
        /** A class id (e.g. an ImageNet wnid) that the label map does not know. */
        UNKNOWN_CLASS,
        /** A file in an image folder whose name does not follow the dataset's naming scheme. */
        UNEXPECTED_NAME,
        /** The file could not be read from its file system. */
        UNREADABLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where in the pipeline the input was rejected. */
    public enum Stage {
        LIST, READ, SNIFF, HEADER, DECODE, LABEL, MASK;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;
    private final Stage stage;

    public BadImageException(Reason reason, Stage stage, String detail) {
        super(detail);
        this.reason = reason;
        this.stage = stage;
    }

    public BadImageException(Reason reason, Stage stage, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
        this.stage = stage;
    }

    public Reason reason() {
        return reason;
    }

    public Stage stage() {
        return stage;
    }
}
