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
public record DeepLabV3Spec(int depth, int base, int height, int width, int channels, int numClasses) implements Serializable {
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
