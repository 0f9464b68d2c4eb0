package org.infopro.spark.spill;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One image view's detached module output: the image's key, its class label, which view (augmented copy)
 * it is, the reconstruction target as uint8 (empty when the next module needs none), the activation
 * encoded with the spill's {@link Precision} ({@link SpillLayout#values()} values, C·H·W order), and for
 * segmentation every pixel's train id as uint8 (H·W at the target's resolution, 255 = ignore; else empty).
 */
public record SpillRecord(String key, int label, int view, byte[] target, byte[] activation, byte[] pixels) implements Serializable {
    public SpillRecord {
        Objects.requireNonNull(key, "spill record key");
        target = target == null ? new byte[0] : target;
        Objects.requireNonNull(activation, "spill record activation");
        pixels = pixels == null ? new byte[0] : pixels;
    }

    /** A record of a classification spill: no per-pixel labels. */
    public SpillRecord(String key, int label, int view, byte[] target, byte[] activation) {
        this(key, label, view, target, activation, null);
    }

    /**
     * The records of one batch: view {@code views[i]} of image {@code keys[i]}, its activation values ({@code activation} is N·C·H·W, c order) encoded at
     * {@code precision}, its [0, 1] reconstruction target ({@code pixels01}, N·C·H·W) as uint8, and its pixels' train ids
     * ({@code pixelIds}, N·H·W, each in [0, 255]; null for a classification batch) as uint8.
     */
    public static java.util.List<SpillRecord> ofBatch(java.util.List<String> keys, int[] labels, int[] views,
                                                      float[] activation, float[] pixels01, int[] pixelIds, Precision precision) {
        int n = keys.size();
        int per = activation.length / n;
        int tPer = pixels01.length / n;
        int lPer = pixelIds == null ? 0 : pixelIds.length / n;
        java.util.List<SpillRecord> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[tPer];
            for (int j = 0; j < tPer; j++) {
                px[j] = (byte) Math.round(Math.max(0f, Math.min(1f, pixels01[i * tPer + j])) * 255f);
            }
            byte[] ids = new byte[lPer];
            for (int j = 0; j < lPer; j++) {
                int id = pixelIds[i * lPer + j];
                if (id < 0 || id > 255) {
                    throw new IllegalArgumentException("image " + keys.get(i) + ", pixel " + j + ": train id " + id
                            + " does not fit a spill's uint8 labels (0..255, 255 = ignore)");
                }
                ids[j] = (byte) id;
            }
            out.add(new SpillRecord(keys.get(i), labels[i], views[i], px, precision.encode(activation, i * per, per), ids));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpillRecord r && key.equals(r.key) && label == r.label && view == r.view
                && Arrays.equals(target, r.target) && Arrays.equals(activation, r.activation) && Arrays.equals(pixels, r.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, label, view, Arrays.hashCode(target), Arrays.hashCode(activation), Arrays.hashCode(pixels));
    }

    @Override
    public String toString() {
        return "SpillRecord[key=" + key + ", label=" + label + ", view=" + view + ", target=" + target.length
                + " bytes, activation=" + activation.length + " bytes, pixels=" + pixels.length + " bytes]";
    }
}
