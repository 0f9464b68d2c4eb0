package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;

/**
 * A CIFAR-style post-activation ResNet (He et al. 2016): depth 6n+2, a 3x3 stem to 16 channels, then
 * three stages of n basic blocks with widths 16/32/64, stride 2 at the first block of stages 2 and 3.
 * The trunk is a sequence of units: unit 0 is the stem, unit 1 + (s−1)·n + b is block b of stage s.
 */
public record ResNetSpec(int depth, int height, int width, int channels, int numClasses) implements Serializable, Trunk {
    public static final int[] STAGE_WIDTHS = {16, 16, 32, 64};

    public ResNetSpec {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new ConfigException("ResNet depth " + depth + " is not 6n+2 with n >= 1; use 8, 14, 20, 32, 44, 56 or 110.");
        }
    }

    public int blocksPerStage() {
        return (depth - 2) / 6;
    }

    public int units() {
        return 1 + 3 * blocksPerStage();
    }

    /** The unit after which split point {@code p} ends a module; checks the point exists. */
    public int unitOf(SplitPoint p) {
        int n = blocksPerStage();
        if (p.stage() == 0 && p.block() == 0) {
            return 0;
        }
        if (p.stage() < 1 || p.stage() > 3 || p.block() < 0 || p.block() >= n) {
            throw new ConfigException("split point " + p + " does not exist in ResNet-" + depth + ": stages are 1..3 with blocks 0.."
                    + (n - 1) + ", or [0,0] for the stem.");
        }
        return 1 + (p.stage() - 1) * n + p.block();
    }

    /** Stage of a unit: 0 for the stem, else 1..3. */
    public int stageOf(int unit) {
        return unit == 0 ? 0 : 1 + (unit - 1) / blocksPerStage();
    }

    /** Block index within its stage. */
    public int blockOf(int unit) {
        return unit == 0 ? 0 : (unit - 1) % blocksPerStage();
    }

    @Override
    public int[] inputShape() {
        return new int[]{channels, height, width};
    }

    @Override
    public String family() {
        return CifarResNetFamily.NAME;
    }

    @Override
    public long flops(int first, int last) {
        return ModuleCost.trunkFlops(this, first, last);
    }

    @Override
    public ModuleNetworkFactory networks(Hyper hyper, HeadSpec head) {
        return new InfoProNetworkFactory(this, hyper, head);
    }

    /** Shape {channels, height, width} of the activation after {@code unit}. */
    public int[] shapeAfter(int unit) {
        int h = height, w = width;
        int stage = stageOf(unit);
        for (int s = 2; s <= stage; s++) {
            h = (h + 2 - 3) / 2 + 1;
            w = (w + 2 - 3) / 2 + 1;
        }
        return new int[]{STAGE_WIDTHS[stage], h, w};
    }
}
