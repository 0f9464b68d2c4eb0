package org.infopro.spark.model;

import java.util.Locale;

/**
 * The auxiliary classifier configurations of the InfoPro reference ({@code networks/auxiliary_nets.py}):
 * {@code <c>c<f>f} = c conv3x3-BN-ReLU layers (the first with stride 2 and doubled channels below 64
 * channels, stride 1 at 64), global average pooling, then f fully connected layers (hidden width 128).
 * {@code 0c1f} is the greedy-SL head; {@code 1c2f} is the reference's default.
 */
public enum AuxNet {
    C0F1(0, 1), C0F2(0, 2), C1F1(1, 1), C1F2(1, 2), C1F3(1, 3), C2F2(2, 2);

    public static final int HIDDEN = 128;

    private final int convs;
    private final int fcs;

    AuxNet(int convs, int fcs) {
        this.convs = convs;
        this.fcs = fcs;
    }

    public int convs() {
        return convs;
    }

    public int fcs() {
        return fcs;
    }

    /** The reference's name, such as {@code 1c2f}. */
    public String label() {
        return convs + "c" + fcs + "f";
    }

    @Override
    public String toString() {
        return label();
    }
}
