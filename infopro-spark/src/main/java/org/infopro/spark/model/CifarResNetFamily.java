package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

/** The CIFAR-style ResNets of the paper's small-image experiments (depth 6n+2: 8, 20, 32, 110, ...), {@link ResNetSpec}. */
public final class CifarResNetFamily implements NetworkFamily {
    public static final String NAME = "cifar-resnet";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "CIFAR-style ResNet, depth 6n+2 (8, 20, 32, 110), basic blocks 16/32/64 wide";
    }

    @Override
    public int defaultDepth() {
        return 20;
    }

    @Override
    public void check(int depth, double width) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new ConfigException("train: invalid --depth " + depth + " for --arch " + NAME
                    + ": expected 6n+2 with n >= 1, such as 8, 14, 20, 32, 44, 56 or 110.");
        }
        if (width != 1) {
            throw new ConfigException("train: --width " + width + " is not supported by --arch " + NAME
                    + " (its widths are the paper's 16/32/64); use --width 1.");
        }
    }

    @Override
    public String label(int depth, double width) {
        return "ResNet-" + depth + NetworkFamily.widthSuffix(width);
    }

    @Override
    public Trunk trunk(int depth, double width, int[] chw, int numClasses) {
        check(depth, width);
        return new ResNetSpec(depth, chw[1], chw[2], chw[0], numClasses);
    }
}
