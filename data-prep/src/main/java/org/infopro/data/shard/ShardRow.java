package org.infopro.data.shard;

import org.infopro.data.image.BadImageException;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;

/**
 * One shard row as stored: the key, the label, the image bytes in their {@code encoding} ({@code null} for
 * schema version 1, raw in the manifest's shape), the row's shape, and the optional mask with its encoding.
 * {@link #decode()} makes the pixels training uses.
 */
public record ShardRow(String key, int label, byte[] image, String encoding, int height, int width, int channels,
                       byte[] mask, String maskEncoding) {

    /**
     * The row's raw HWC pixels (and mask). A row that no longer decodes fails with its key: prep already
     * quarantined every bad input, so this means the shard is damaged.
     */
    public LabeledImage decode() {
        if (encoding == null) {
            return new LabeledImage(key, label, image);
        }
        try {
            RgbImage img = ShardSchema.ENCODING_RAW.equals(encoding)
                    ? new RgbImage(width, height, channels, image)
                    : ImageCodec.decodeRgb(image, Long.MAX_VALUE);
            byte[] m = null;
            if (mask != null) {
                m = ShardSchema.ENCODING_RAW.equals(maskEncoding) ? mask : ImageCodec.decodeGray(mask, Long.MAX_VALUE).pixels();
            }
            return new LabeledImage(key, label, img.pixels(), img.height(), img.width(), img.channels(), m);
        } catch (BadImageException e) {
            throw new IllegalStateException("shard row " + key + " does not decode (" + e.reason().label() + ": "
                    + e.getMessage() + "); the shard is damaged. Re-run prep.", e);
        }
    }

    /** Bytes this row holds while it waits to be decoded. */
    public long bytes() {
        return image.length + (mask == null ? 0 : mask.length) + 2L * key.length();
    }
}
