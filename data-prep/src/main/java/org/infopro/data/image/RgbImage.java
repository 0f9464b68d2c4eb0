package org.infopro.data.image;

import java.io.Serializable;

/**
 * A decoded image as the prep jobs and the training reader handle it: 8-bit samples, row-major HWC,
 * {@code channels} 3 (RGB, in that order) or 1 (gray, e.g. a segmentation mask of class ids).
 */
public record RgbImage(int width, int height, int channels, byte[] pixels) implements Serializable {
    public RgbImage {
        if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad image shape " + width + "x" + height + "x" + channels);
        }
        if (pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("image " + width + "x" + height + "x" + channels + " needs "
                    + (long) width * height * channels + " bytes, got " + pixels.length);
        }
    }

    /** The sample at row {@code y}, column {@code x}, channel {@code c}, as 0..255. */
    public int sample(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xff;
    }
}
