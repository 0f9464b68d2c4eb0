package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LossMode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * DeepLab-V3 semantic segmentation on a dilated ResNetV1c backbone at output stride 8 ({@link DeepLabV3Spec}): depths
 * 50 and 101 as the InfoPro reference has them, and 18 (basic blocks) for tests and CPU runs, with a channel multiplier:
 * base width round(64 × width) to a multiple of 8.
 */
public final class DeepLabV3Family implements NetworkFamily {
    public static final String NAME = "deeplabv3";
    private static final int STRIDE = 8;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "DeepLab-V3 segmentation (ResNetV1c, output stride 8, ASPP + FCN heads), depth 18, 50 or 101; --width scales "
                + "the base width 64; needs a segmentation dataset (prep-cityscapes)";
    }

    @Override
    public int defaultDepth() {
        return 101;
    }

    @Override
    public boolean perPixel() {
        return true;
    }

    /** The decode head's logits upsampled to the input size, before its softmax. */
    @Override
    public String pixelLogits() {
        return DeepLabV3NetworkFactory.DECODE_LOGITS;
    }

    /**
     * The reference's Cityscapes recipe (§6.3 of the reference note; mmsegmentation's {@code schedule_40k} and the
     * {@code infopro_deeplabv3_r101-d8_512x1024} configs): SGD with momentum 0.9, weight decay 5e-4, lr 0.01 for a
     * global batch of 8 scaled linearly, the joint scale 0.5-2 / 512x1024 crop / flip / photometric distortion, the K=2
     * InfoPro* split and λ (1.5, 1), and the poly schedule (power 0.9, minimum 1e-4) per step over the reference's 40k
     * iterations (a given --epochs counts epochs instead).
     */
    @Override
    public Recipe recipe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("momentum", "0.9");
        d.put("weight-decay", "5e-4");
        d.put("lr-schedule", "poly-step");
        d.put("warmup-epochs", "0");
        d.put("augment", "scale-crop-flip");
        d.put("crop", "512");
        d.put("photometric", "true");
        d.put("splits", "infopro*-cityscapes:k2");
        d.put("lambda", "cityscapes/infopro*");
        d.put("iterations", "40000");
        return new Recipe("the InfoPro reference's Cityscapes recipe", d, Optional.of(new Recipe.ScaledLearningRate(0.01, 8)));
    }

    @Override
    public void checkLoss(LossMode loss) {
        NetworkFamily.refuseContrastive(loss, NAME, "has no contrastive segmentation variant (its local heads are per-pixel "
                + "softmax only)");
    }

    @Override
    public void checkInput(int height, int width, String what) {
        for (int side : new int[]{height, width}) {
            if (side < 2 * STRIDE || side % STRIDE != 0) {
                throw new ConfigException(String.format(Locale.ROOT, "train: %s gives a %dx%d input, but --arch %s needs sides of "
                        + "at least 16 divisible by %d (output stride 8); use --crop %d (the reference: 512, for 512x1024).", what,
                        height, width, NAME, STRIDE, Math.max(2 * STRIDE, side / STRIDE * STRIDE)));
            }
        }
    }

    @Override
    public String label(int depth, double width) {
        return "DeepLab-V3-R" + depth + NetworkFamily.widthSuffix(width);
    }

    @Override
    public void check(int depth, double width) {
        if (depth != 18 && depth != 50 && depth != 101) {
            throw new ConfigException("train: invalid --depth " + depth + " for --arch " + NAME + ": expected 18, 50 or 101.");
        }
        base(width);
    }

    @Override
    public Trunk trunk(int depth, double width, int[] chw, int numClasses) {
        check(depth, width);
        checkInput(chw[1], chw[2], "the crop (--crop N gives N x 2N)");
        return new DeepLabV3Spec(depth, base(width), chw[1], chw[2], chw[0], numClasses);
    }

    public static int base(double width) {
        int base = (int) Math.round(64 * width / 8) * 8;
        if (base < 8) {
            throw new ConfigException(String.format(Locale.ROOT, "train: invalid --width %s for --arch %s: the base width 64 × %s "
                    + "rounds below 8 channels; use --width 0.125 or more.", width, NAME, width));
        }
        return base;
    }
}
