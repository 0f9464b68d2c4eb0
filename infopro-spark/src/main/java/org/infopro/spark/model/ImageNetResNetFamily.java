package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.util.Locale;

/**
 * The torchvision-layout bottleneck ResNets of the paper's ImageNet experiments (ResNet-50/101/152,
 * {@link ImageNetResNetSpec}), with a channel multiplier for reduced networks: base width round(64 × width) to
 * a multiple of 4.
 */
public final class ImageNetResNetFamily implements NetworkFamily {
    public static final String NAME = "imagenet-resnet";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "ImageNet bottleneck ResNet (torchvision v1.5), depth 50, 101 or 152; --width scales the base width 64";
    }

    @Override
    public int defaultDepth() {
        return 50;
    }

    @Override
    public void check(int depth, double width) {
        if (depth != 50 && depth != 101 && depth != 152) {
            throw new ConfigException("train: invalid --depth " + depth + " for --arch " + NAME + ": expected 50, 101 or 152.");
        }
        base(width);
    }

    @Override
    public Trunk trunk(int depth, double width, int[] chw, int numClasses) {
        check(depth, width);
        return new ImageNetResNetSpec(depth, base(width), chw[1], chw[2], chw[0], numClasses);
    }

    static int base(double width) {
        int base = (int) Math.round(64 * width / 4) * 4;
        if (base < 4) {
            throw new ConfigException(String.format(Locale.ROOT, "train: invalid --width %s for --arch %s: the base width "
                    + "64 × %s rounds below 4 channels; use --width 0.0625 or more.", width, NAME, width));
        }
        return base;
    }
}
