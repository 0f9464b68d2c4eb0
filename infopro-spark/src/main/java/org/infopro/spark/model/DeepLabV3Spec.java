package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;

/**
 * DeepLab-V3 (Chen et al., "Rethinking Atrous Convolution for Semantic Image Segmentation", 2017) on a ResNetV1c
 * backbone at output stride 8, as the InfoPro reference's mmsegmentation config {@code deeplabv3_r101-d8} builds it:
 * <ul>
 *   <li>a deep stem of three 3x3 convolutions (3 → base/2, stride 2; base/2 → base/2; base/2 → base), each with BN and
 *       ReLU, then a 3x3/2 max pool;</li>
 *   <li>four layers of residual blocks with strides 1, 2, 1, 1 and dilations 1, 1, 2, 4 (every block of a layer
 *       dilated, the first one included), so layer 4 is at 1/8 of the input; bottleneck blocks (stride and
 *       dilation on the 3x3) for depths 50 and 101, basic blocks (the first 3x3 dilated) for depth 18, the small
 *       depth for tests and CPU runs;</li>
 *   <li>the ASPP head on layer 4: an image-pooling branch (global average, 1x1 conv) and four branches, a 1x1 conv and
 *       3x3 convs at dilations 12, 24 and 36, each to {@code 512·base/64} channels with BN and ReLU, concatenated,
 *       fused by a 3x3 conv, then spatial dropout 0.1 and a 1x1 conv to the classes;</li>
 *   <li>the FCN auxiliary head on layer 3: a 3x3 conv to {@code 256·base/64} channels with BN and ReLU, dropout 0.1,
 *       a 1x1 conv to the classes, cross-entropy weight 0.4.</li>
 * </ul>
 * Both heads' logits are upsampled bilinearly to the label size with align-corners semantics (our choice where the
 * issue asks for it; mmsegmentation's stock heads resize without), then per-pixel cross-entropy with ignore 255
 * ({@code loss.PixelCrossEntropy}). {@code base} = 64 is the standard width.
 */
public record DeepLabV3Spec(int depth, int base, int height, int width, int channels, int numClasses, int split)
        implements Serializable, Trunk {
    public static final int[] STRIDES = {1, 2, 1, 1};
    public static final int[] DILATIONS = {1, 1, 2, 4};
    public static final int[] ASPP_DILATIONS = {1, 12, 24, 36};
    public static final double AUX_WEIGHT = 0.4;
    public static final double DROPOUT = 0.1;

    public DeepLabV3Spec {
        blocksFor(depth);
        if (base < 8 || base % 8 != 0) {
            throw new ConfigException("DeepLab-V3 base width " + base + " must be a multiple of 8 (standard: 64).");
        }
        if (height % 8 != 0 || width % 8 != 0 || height < 16 || width < 16) {
            throw new ConfigException("DeepLab-V3 input " + height + "x" + width + " must have sides of at least 16 divisible by 8 "
                    + "(output stride 8); crop to such a size.");
        }
        if (numClasses < 2) {
            throw new ConfigException("DeepLab-V3 needs at least 2 classes, got " + numClasses);
        }
        int l3 = blocksFor(depth)[2];
        if (split < 1 || split >= l3) {
            throw new ConfigException("DeepLab-V3-R" + depth + " module 1 ends after layer-3 block " + split + ", but layer 3 has "
                    + l3 + " blocks: give 1 to " + (l3 - 1) + " (default " + defaultSplit(depth) + ").");
        }
    }

    /** The same network with module 1 ending at the default layer-3 block ({@link #defaultSplit}). */
    public DeepLabV3Spec(int depth, int base, int height, int width, int channels, int numClasses) {
        this(depth, base, height, width, channels, numClasses, defaultSplit(depth));
    }

    /**
     * Layer-3 blocks in module 1 by default: the reference's 13 of 23 for R-101, and for other depths the same
     * fraction rounded (R-50: 3 of 6, R-18: 1 of 2), since the reference's hard-coded 13 does not exist there.
     */
    public static int defaultSplit(int depth) {
        int l3 = blocksFor(depth)[2];
        return Math.max(1, Math.min(l3 - 1, (int) Math.round(l3 * 13.0 / 23)));
    }

    @Override
    public String family() {
        return DeepLabV3Family.NAME;
    }

    /**
     * The unit split point {@code [layer, block]} ends ({@code [0, 0]}: the stem). A local module must end before the
     * last block of layer 3: the FCN auxiliary head sits on layer 3's output, which the last module must hold.
     */
    @Override
    public int unitOf(SplitPoint p) {
        if (p.stage() == 0 && p.block() == 0) {
            return 0;
        }
        int[] b = blocks();
        if (p.stage() < 1 || p.stage() > 3 || p.block() < 0 || p.block() >= b[p.stage() - 1]
                || (p.stage() == 3 && p.block() == b[2] - 1)) {
            throw new ConfigException("split point " + p + " cannot end a local module of DeepLab-V3-R" + depth + ": layers 1-3 have "
                    + b[0] + ", " + b[1] + " and " + b[2] + " blocks, and module boundaries must come before layer 3's last block "
                    + "[3," + (b[2] - 1) + "], since the last module carries the FCN auxiliary head on layer 3. The reference's "
                    + "split: --splits infopro*-cityscapes:k2 ([3," + (defaultSplit(depth) - 1) + "]).");
        }
        return lastUnitOf(p.stage() - 1) + 1 + p.block();
    }

    /** Stem and layer 1 at 1/4 of the input, layers 2-4 at 1/8 (output stride 8). */
    @Override
    public int[] shapeAfter(int unit) {
        if (unit == 0) {
            return new int[]{base, height / 4, width / 4};
        }
        int layer = layerOf(unit);
        int s = layer == 1 ? 4 : 8;
        return new int[]{layerChannels(layer), height / s, width / s};
    }

    @Override
    public int[] inputShape() {
        return new int[]{channels, height, width};
    }

    /** The same network on inputs of {@code h}×{@code w}: its parameters do not depend on the size. */
    @Override
    public DeepLabV3Spec atInput(int h, int w) {
        return new DeepLabV3Spec(depth, base, h, w, channels, numClasses, split);
    }

    @Override
    public ModuleNetworkFactory networks(Hyper hyper, HeadSpec head) {
        return new DeepLabV3NetworkFactory(this, hyper, head);
    }

    /** Convolution FLOPs per image of the backbone units {@code first..last} (the heads not counted). */
    @Override
    public long flops(int first, int last) {
        long flops = 0;
        for (int u = first; u <= last; u++) {
            int[] out = shapeAfter(u);
            long px = (long) out[1] * out[2];
            if (u == 0) {
                long half = base / 2;
                long px2 = (long) (height / 2) * (width / 2);
                flops += 2L * 9 * px2 * (channels * half + half * half + half * base);
                continue;
            }
            int layer = layerOf(u);
            int cIn = shapeAfter(u - 1)[0];
            int mid = planes(layer);
            if (bottleneck()) {
                flops += 2L * px * (cIn * mid + 9L * mid * mid + (long) mid * out[0]);
            } else {
                flops += 2L * px * 9L * (cIn * out[0] + (long) out[0] * out[0]);
            }
            if (cIn != out[0]) {
                flops += 2L * px * cIn * out[0];
            }
        }
        return flops;
    }

    /** Units: 0 is the stem (with the pool), then every block of layers 1–4 in order. */
    @Override
    public int units() {
        int n = 1;
        for (int b : blocks()) {
            n += b;
        }
        return n;
    }

    /** The layer (1..4) of block unit {@code unit}. */
    public int layerOf(int unit) {
        int u = unit - 1;
        for (int layer = 1; layer <= 4; layer++) {
            if (u < blocks()[layer - 1]) {
                return layer;
            }
            u -= blocks()[layer - 1];
        }
        throw new IllegalArgumentException("unit " + unit + " of " + units());
    }

    /** The index of block unit {@code unit} within its layer. */
    public int blockOf(int unit) {
        int u = unit - 1;
        for (int layer = 1; layer < layerOf(unit); layer++) {
            u -= blocks()[layer - 1];
        }
        return u;
    }

    /** The last unit of layer {@code layer}. */
    public int lastUnitOf(int layer) {
        int u = 0;
        for (int i = 0; i < layer; i++) {
            u += blocks()[i];
        }
        return u;
    }

    /** Module 1's last unit: layer-3 block {@code split − 1}. */
    public int splitUnit() {
        return lastUnitOf(2) + split;
    }

    private static int[] blocksFor(int depth) {
        return switch (depth) {
            case 18 -> new int[]{2, 2, 2, 2};
            case 50 -> new int[]{3, 4, 6, 3};
            case 101 -> new int[]{3, 4, 23, 3};
            default -> throw new ConfigException("DeepLab-V3 depth " + depth + " is not one of 18, 50, 101.");
        };
    }

    public int[] blocks() {
        return blocksFor(depth);
    }

    /** Bottleneck blocks (depth 50 and 101) rather than basic ones (18). */
    public boolean bottleneck() {
        return depth >= 50;
    }

    /** The inner width of layer {@code layer} (1..4): base·2^(layer−1). */
    public int planes(int layer) {
        return base << (layer - 1);
    }

    /** The output channels of layer {@code layer}: 4× the planes for bottlenecks, the planes for basic blocks. */
    public int layerChannels(int layer) {
        return planes(layer) * (bottleneck() ? 4 : 1);
    }

    /** {@code channels} of the standard network scaled to this base width (at least 4). */
    public int scaled(int channels) {
        return Math.max(4, channels * base / 64);
    }
}
