package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;

/**
 * An ImageNet ResNet in torchvision's layout (He et al. 2016, v1.5: stride on the 3x3 convolution):
 * 7x7/2 stem to {@code base} channels, 3x3/2 max pool, then four stages of bottleneck blocks with inner
 * widths base·(1, 2, 4, 8) and outputs 4× that, stride 2 at the first block of stages 2–4, and a 1x1
 * conv + BN projection where shape changes. {@code base} = 64 is the standard width; tests use smaller.
 * Units: 0 is the stem (with the pool), then the blocks of stages 1..4 in order.
 */
public record ImageNetResNetSpec(int depth, int base, int height, int width, int channels, int numClasses)
        implements Serializable, Trunk {
    public static final int EXPANSION = 4;

    public ImageNetResNetSpec {
        blocksFor(depth);
        if (base < 4 || base % 4 != 0) {
            throw new ConfigException("ImageNet ResNet base width " + base + " must be a multiple of 4 (standard: 64).");
        }
    }

    private static int[] blocksFor(int depth) {
        return switch (depth) {
            case 50 -> new int[]{3, 4, 6, 3};
            case 101 -> new int[]{3, 4, 23, 3};
            case 152 -> new int[]{3, 8, 36, 3};
            default -> throw new ConfigException("ImageNet ResNet depth " + depth + " is not one of 50, 101, 152.");
        };
    }

    public int[] blocks() {
        return blocksFor(depth);
    }

    @Override
    public int units() {
        int n = 1;
        for (int b : blocks()) {
            n += b;
        }
        return n;
    }

    public int stageOf(int unit) {
        int u = unit - 1;
        int[] b = blocks();
        for (int s = 0; s < 4; s++) {
            if (u < b[s]) {
                return s + 1;
            }
            u -= b[s];
        }
        throw new IllegalArgumentException("unit " + unit);
    }

    public int blockOf(int unit) {
        int u = unit - 1;
        int[] b = blocks();
        for (int s = 0; s < 4; s++) {
            if (u < b[s]) {
                return u;
            }
            u -= b[s];
        }
        throw new IllegalArgumentException("unit " + unit);
    }

    @Override
    public int unitOf(SplitPoint p) {
        if (p.stage() == 0 && p.block() == 0) {
            return 0;
        }
        int[] b = blocks();
        if (p.stage() < 1 || p.stage() > 4 || p.block() < 0 || p.block() >= b[p.stage() - 1]) {
            throw new ConfigException("split point " + p + " does not exist in ResNet-" + depth + ": stages 1..4 have "
                    + java.util.Arrays.toString(b) + " blocks, or [0,0] for the stem.");
        }
        int u = 1;
        for (int s = 1; s < p.stage(); s++) {
            u += b[s - 1];
        }
        return u + p.block();
    }

    /** Output channels of stage s (1..4). */
    public int stageChannels(int stage) {
        return EXPANSION * base << (stage - 1);
    }

    @Override
    public int[] shapeAfter(int unit) {
        int h = down(down(height, 7, 3), 3, 1);
        int w = down(down(width, 7, 3), 3, 1);
        if (unit == 0) {
            return new int[]{base, h, w};
        }
        int stage = stageOf(unit);
        for (int s = 2; s <= stage; s++) {
            h = down(h, 3, 1);
            w = down(w, 3, 1);
        }
        return new int[]{stageChannels(stage), h, w};
    }

    @Override
    public int[] inputShape() {
        return new int[]{channels, height, width};
    }

    @Override
    public String family() {
        return ImageNetResNetFamily.NAME;
    }

    @Override
    public ModuleNetworkFactory networks(Hyper hyper, HeadSpec head) {
        return new ImageNetNetworkFactory(this, hyper, head);
    }

    /** Convolution FLOPs per image: the 7x7 stem, then per bottleneck 1x1, 3x3 (strided) and 1x1, plus projections. */
    @Override
    public long flops(int first, int last) {
        long flops = 0;
        for (int u = first; u <= last; u++) {
            int[] out = shapeAfter(u);
            long pixels = (long) out[1] * out[2];
            if (u == 0) {
                int h = down(height, 7, 3);
                int w = down(width, 7, 3);
                flops += 2L * 49 * channels * base * h * w;
                continue;
            }
            int[] in = shapeAfter(u - 1);
            int mid = base << (stageOf(u) - 1);
            flops += 2L * in[0] * mid * in[1] * in[2];   // conv1x1 at the input resolution
            flops += 2L * 9 * mid * mid * pixels;           // conv3x3, stride on it
            flops += 2L * mid * out[0] * pixels;            // conv1x1 expansion
            if (in[0] != out[0] || in[1] != out[1]) {
                flops += 2L * in[0] * out[0] * pixels;      // projection shortcut
            }
        }
        return flops;
    }

    /** Output size of a stride-2 window of size k with padding pad. */
    static int down(int size, int k, int pad) {
        return (size + 2 * pad - k) / 2 + 1;
    }
}
