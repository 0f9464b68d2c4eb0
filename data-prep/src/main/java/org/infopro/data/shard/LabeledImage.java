package org.infopro.data.shard;

import java.io.Serializable;

/**
 * One decoded shard row as training consumes it: the label, the raw HWC uint8 pixels, their shape, and for
 * segmentation datasets the mask of train ids (one byte per pixel, 255 = ignore), else null. A shape of 0
 * means the manifest's fixed shape (datasets of schema version 1).
 */
public record LabeledImage(String key, int label, byte[] pixels, int height, int width, int channels, byte[] mask)
        implements Serializable {

    public LabeledImage(String key, int label, byte[] pixels) {
        this(key, label, pixels, 0, 0, 0, null);
    }
}
