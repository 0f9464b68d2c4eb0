package org.infopro.data.formats;

import org.infopro.data.image.RgbImage;

/**
 * One image of a small dataset with its class index; {@link #UNLABELED} for images without a label
 * (STL-10's unlabeled split).
 */
public record LabeledRecord(String key, int label, RgbImage image) {
    public static final int UNLABELED = -1;
}
