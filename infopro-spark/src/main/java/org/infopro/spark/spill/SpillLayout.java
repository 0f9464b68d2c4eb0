package org.infopro.spark.spill;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The shape of every record in a spill: the activation's C·H·W {@code shape} stored at {@code precision},
 * the uint8 reconstruction target's C·H·W {@code targetShape} (empty when records carry no target), and the
 * H·W {@code labelShape} of the uint8 per-pixel train ids of a segmentation spill (empty for classification).
 */
public record SpillLayout(int[] shape, Precision precision, int[] targetShape, int[] labelShape) implements Serializable {
    public SpillLayout {
        Objects.requireNonNull(precision, "spill precision");
        targetShape = targetShape == null ? new int[0] : targetShape.clone();
        labelShape = labelShape == null ? new int[0] : labelShape.clone();
        shape = Objects.requireNonNull(shape, "spill activation shape").clone();
        if (shape.length == 0 || !positive(shape) || !positive(targetShape) || !positive(labelShape)
                || labelShape.length != 0 && labelShape.length != 2) {
            throw new IllegalArgumentException("spill layout: activation shape " + Arrays.toString(shape) + ", target shape "
                    + Arrays.toString(targetShape) + " and label shape " + Arrays.toString(labelShape) + " must have positive "
                    + "sizes (C,H,W; labels H,W); give an empty target or label shape for none");
        }
    }

    /** The layout of a classification spill: no per-pixel labels. */
    public SpillLayout(int[] shape, Precision precision, int[] targetShape) {
        this(shape, precision, targetShape, null);
    }

    /** True when records carry per-pixel train ids. */
    public boolean pixelLabels() {
        return labelShape.length == 2;
    }

    /** Activation values per record. */
    public int values() {
        return (int) product(shape);
    }

    /** Encoded activation bytes per record. */
    public int activationBytes() {
        return values() * precision.bytes();
    }

    /** uint8 target bytes per record (0 without a target); package-private so JSON carries only the components. */
    int targetBytes() {
        return targetShape.length == 0 ? 0 : (int) product(targetShape);
    }

    /** uint8 per-pixel label bytes per record (0 for classification); package-private like {@link #targetBytes}. */
    int labelBytes() {
        return labelShape.length == 0 ? 0 : (int) product(labelShape);
    }

    private static boolean positive(int[] dims) {
        return Arrays.stream(dims).allMatch(d -> d > 0) && product(dims) <= Integer.MAX_VALUE;
    }

    private static long product(int[] dims) {
        long p = 1;
        for (int d : dims) {
            p *= d;
            if (p > Integer.MAX_VALUE) {
                return Long.MAX_VALUE; // too big for one array; checked by the constructor
            }
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpillLayout l && Arrays.equals(shape, l.shape) && precision == l.precision
                && Arrays.equals(targetShape, l.targetShape) && Arrays.equals(labelShape, l.labelShape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(shape), precision, Arrays.hashCode(targetShape), Arrays.hashCode(labelShape));
    }

    @Override
    public String toString() {
        return "SpillLayout[shape=" + Arrays.toString(shape) + ", precision=" + precision.label()
                + ", targetShape=" + Arrays.toString(targetShape) + ", labelShape=" + Arrays.toString(labelShape) + "]";
    }
}
