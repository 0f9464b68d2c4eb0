package org.infopro.spark.spill;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One image view's detached module output: the image's key, its class label, which view (augmented copy)
 * it is, the reconstruction target as uint8 (empty when the next module needs none), and the activation
 * encoded with the spill's {@link Precision} ({@link SpillLayout#values()} values, C·H·W order).
 */
public record SpillRecord(String key, int label, int view, byte[] target, byte[] activation) implements Serializable {
    public SpillRecord {
        Objects.requireNonNull(key, "spill record key");
        target = target == null ? new byte[0] : target;
        Objects.requireNonNull(activation, "spill record activation");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpillRecord r && key.equals(r.key) && label == r.label && view == r.view
                && Arrays.equals(target, r.target) && Arrays.equals(activation, r.activation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, label, view, Arrays.hashCode(target), Arrays.hashCode(activation));
    }

    @Override
    public String toString() {
        return "SpillRecord[key=" + key + ", label=" + label + ", view=" + view + ", target=" + target.length
                + " bytes, activation=" + activation.length + " bytes]";
    }
}
