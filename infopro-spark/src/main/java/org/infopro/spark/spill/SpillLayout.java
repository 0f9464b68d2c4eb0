package org.infopro.spark.spill;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The shape of every record in a spill: the activation's C·H·W {@code shape} stored at {@code precision},
 * and the uint8 reconstruction target's C·H·W {@code targetShape} (empty when records carry no target).
 */
public record SpillLayout(int[] shape, Precision precision, int[] targetShape) implements Serializable {
    public SpillLayout {
        Objects.requireNonNull(precision, "spill precision");
        targetShape = targetShape == null ? new int[0] : targetShape.clone();
        shape = Objects.requireNonNull(shape, "spill activation shape").clone();
        if (shape.length == 0 || !positive(shape) || !positive(targetShape)) {
            throw new IllegalArgumentException("spill layout: activation shape " + Arrays.toString(shape) + " and target shape "
                    + Arrays.toString(targetShape) + " must have positive sizes (C,H,W); give an empty target shape for no target");
        }
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
                && Arrays.equals(targetShape, l.targetShape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(shape), precision, Arrays.hashCode(targetShape));
    }

    @Override
    public String toString() {
        return "SpillLayout[shape=" + Arrays.toString(shape) + ", precision=" + precision.label()
                + ", targetShape=" + Arrays.toString(targetShape) + "]";
    }
}
