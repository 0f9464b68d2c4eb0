package org.infopro.data.source;

import org.infopro.data.image.BadImageException;

import java.io.Serializable;

/**
 * One input file found by a dataset's listing: the row key it will have, its split and class, where its
 * bytes are, and (Cityscapes) its mask and frame ids. {@code rejected} non-null means the listing already
 * knows it cannot become a row (an unknown wnid, a missing mask); it goes straight to quarantine.
 */
public record PrepInput(String key, String split, int label, String path, String maskPath, String city, String frame,
                        BadImageException.Reason rejected, String rejectedWhy) implements Serializable {

    public static PrepInput of(String key, String split, int label, String path) {
        return new PrepInput(key, split, label, path, null, null, null, null, null);
    }

    public PrepInput reject(BadImageException.Reason reason, String why) {
        return new PrepInput(key, split, label, path, maskPath, city, frame, reason, why);
    }
}
