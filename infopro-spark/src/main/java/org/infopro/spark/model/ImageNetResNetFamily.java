package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import org.infopro.spark.loss.LossMode;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The torchvision-layout bottleneck ResNets of the paper's ImageNet experiments (ResNet-50/101/152,
 * {@link ImageNetResNetSpec}), with a channel multiplier for reduced networks: base width round(64 × width) to
 * a multiple of 4.
 */
public final class ImageNetResNetFamily implements NetworkFamily {
    public static final String NAME = "imagenet-resnet";
    private static final int[] DEPTHS = {50, 101, 152};
    private static final int STRIDE = 32;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "ImageNet bottleneck ResNet (torchvision v1.5), depth 50, 101 or 152 (or --arch resnet50|resnet101|resnet152); "
                + "--width scales the base width 64";
    }

    @Override
    public int defaultDepth() {
        return 50;
    }

    /** {@code --arch resnet50|resnet101|resnet152}: this family at that depth. */
    @Override
    public Map<String, Integer> namedDepths() {
        Map<String, Integer> named = new LinkedHashMap<>();
        for (int d : DEPTHS) {
            named.put("resnet" + d, d);
        }
        return named;
    }

    /**
     * The reference's ImageNet recipe (InfoPro, Wang et al. 2021, {@code imagenet_DDP.py} and its README; torchvision's
     * ImageNet training): SGD with Nesterov momentum 0.9, lr 0.4 for a global batch of 1024 scaled linearly, weight
     * decay 1e-4, cosine per epoch without warm-up, RandomResizedCrop 224 + flip for training, resize 256 + centre crop
     * 224 for evaluation, the K=2 InfoPro* split and the shipped ImageNet λ ({@code conf/infopro-lambdas.json}: ResNet-101
     * (5, 0.75), ResNet-152 (5, 1); the reference ships none for ResNet-50, so there --lambda must be given).
     */
    @Override
    public Recipe recipe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("momentum", "0.9");
        d.put("weight-decay", "1e-4");
        d.put("lr-schedule", "cosine-epoch");
        d.put("warmup-epochs", "0");
        d.put("augment", "random-resized-crop");
        d.put("crop", "224");
        d.put("resize", "256");
        d.put("splits", "infopro*-imagenet:k2");
        d.put("lambda", "imagenet/infopro*");
        return new Recipe("the InfoPro reference's ImageNet recipe", d, Optional.of(new Recipe.ScaledLearningRate(0.4, 1024)));
    }

    /** The reference's ImageNet auxiliary nets are softmax only: there is no contrastive ImageNet variant to train. */
    @Override
    public void checkLoss(LossMode loss) {
        NetworkFamily.refuseContrastive(loss, NAME, "has no contrastive ImageNet variant (its ImageNet auxiliary classifier is "
                + "softmax only)");
    }

    /** Five stride-2 steps (stem, pool, stages 2-4) take the input to 1/32: both sides must be multiples of 32. */
    @Override
    public void checkInput(int height, int width, String what) {
        for (int side : new int[]{height, width}) {
            if (side < STRIDE || side % STRIDE != 0) {
                int below = Math.max(STRIDE, side / STRIDE * STRIDE);
                int above = (side / STRIDE + 1) * STRIDE;
                throw new ConfigException(String.format(Locale.ROOT, "train: %s gives a %dx%d input, but --arch %s needs sides "
                        + "divisible by %d (its stem, pool and stages 2-4 each halve the size); use --crop %d or --crop %d "
                        + "(the reference: 224).", what, height, width, NAME, STRIDE, below, above));
            }
        }
    }

    @Override
    public String label(int depth, double width) {
        return "ResNet-" + depth + NetworkFamily.widthSuffix(width);
    }

    @Override
    public void check(int depth, double width) {
        if (Arrays.stream(DEPTHS).noneMatch(d -> d == depth)) {
            throw new ConfigException("train: invalid --depth " + depth + " for --arch " + NAME + ": expected 50, 101 or 152.");
        }
        base(width);
    }

    @Override
    public Trunk trunk(int depth, double width, int[] chw, int numClasses) {
        check(depth, width);
        checkInput(chw[1], chw[2], "the dataset's image size after --pad-to/--crop");
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
