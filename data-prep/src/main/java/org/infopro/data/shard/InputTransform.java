package org.infopro.data.shard;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;
import java.util.Locale;
import java.util.Random;

/**
 * How stored images become network input. Deterministic geometry first: zero-pad (centred) to
 * {@code padTo}×{@code padTo} and replicate gray to {@code channels} channels (Fashion-MNIST 28x28x1 →
 * 32x32x3). Then, for training only, the CIFAR-family augmentation: reflect-pad 4, random crop back to
 * size, horizontal flip with probability ½. Normalisation statistics for the padded images follow exactly
 * from the manifest's: zero padding scales the mean and the mean square by (h·w)/(H·W).
 */
public record InputTransform(int padTo, int channels, Augment augment, int crop, int resize, boolean photometric)
        implements Serializable {
    public static final int CROP_PAD = 4;

    /**
     * Training-time augmentation. CROP_FLIP: the CIFAR family's. RANDOM_RESIZED_CROP: ImageNet's
     * ({@link Augmentations#randomResizedCrop}) to {@code crop}, evaluated by short side {@code resize} + centre
     * crop. SCALE_CROP_FLIP: Cityscapes' joint scale 0.5-2, {@code crop}x(2·{@code crop}) window and flip of
     * image and mask, evaluated on the whole frame.
     */
    public enum Augment {
        NONE, CROP_FLIP, RANDOM_RESIZED_CROP, SCALE_CROP_FLIP;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public InputTransform(int padTo, int channels, Augment augment) {
        this(padTo, channels, augment, 0, 0);
    }

    /** No photometric distortion. */
    public InputTransform(int padTo, int channels, Augment augment, int crop, int resize) {
        this(padTo, channels, augment, crop, resize, false);
    }

    public InputTransform {
        if (augment == Augment.RANDOM_RESIZED_CROP && crop <= 0) {
            throw new ConfigException("--augment random-resized-crop needs --crop N (e.g. 224).");
        }
        if (augment == Augment.SCALE_CROP_FLIP && crop <= 0) {
            throw new ConfigException("--augment scale-crop-flip needs --crop N: training crops are N x 2N (Cityscapes: "
                    + "--crop 512 for 512x1024).");
        }
        if (photometric && augment != Augment.SCALE_CROP_FLIP) {
            throw new ConfigException("--photometric true is mmsegmentation's photometric distortion of the Cityscapes "
                    + "recipe; give it with --augment scale-crop-flip, or drop it.");
        }
        if (crop > 0 && padTo > 0) {
            throw new ConfigException("--crop and --pad-to exclude each other: crop is for full-size images (ImageNet), "
                    + "pad-to for small fixed-size ones.");
        }
    }

    public static InputTransform identity() {
        return new InputTransform(0, 0, Augment.NONE);
    }

    /** True when images are cropped to a fixed size from frames of any size. */
    public boolean crops() {
        return crop > 0;
    }

    /** The evaluation short side: {@code resize}, or the usual 256-for-224 ratio. */
    public int evalResize() {
        return resize > 0 ? resize : (int) Math.round(crop / 0.875);
    }

    /** Output {height, width, channels} for a manifest's images; checks the transform fits them. */
    public int[] outputShape(DatasetManifest.ImageSpec in) {
        int h = in.height(), w = in.width(), c = in.channels();
        if (augment == Augment.SCALE_CROP_FLIP) {
            return new int[]{crop, 2 * crop, channels > 0 ? channels : c};
        }
        if (crops()) {
            return new int[]{crop, crop, channels > 0 ? channels : c};
        }
        if (!in.fixedSize()) {
            throw new ConfigException("the dataset's images differ in size; give --crop N (with --augment random-resized-crop "
                    + "for training) so batches have one shape.");
        }
        if (padTo > 0 && (padTo < h || padTo < w)) {
            throw new ConfigException("--pad-to " + padTo + " is smaller than the " + h + "x" + w + " images; use 0 or >= "
                    + Math.max(h, w) + ".");
        }
        if (channels > 0 && channels != c && c != 1) {
            throw new ConfigException("--channels " + channels + " cannot be made from " + c + "-channel images; only gray "
                    + "images are replicated. Use 0 to keep " + c + ".");
        }
        return new int[]{padTo > 0 ? padTo : h, padTo > 0 ? padTo : w, channels > 0 ? channels : c};
    }

    /** Per-output-channel mean and std in [0, 1] units, from the manifest's statistics of the stored images. */
    public double[][] normalisation(DatasetManifest m) {
        int[] out = outputShape(m.image());
        if (crops()) {
            double[] mean = new double[out[2]];
            double[] std = new double[out[2]];
            for (int c = 0; c < out[2]; c++) {
                int src = m.image().channels() == 1 ? 0 : c;
                mean[c] = m.channelStats().mean()[src];
                std[c] = m.channelStats().std()[src];
            }
            return new double[][]{mean, std};
        }
        double area = (double) m.image().height() * m.image().width() / ((double) out[0] * out[1]);
        double[] mean = new double[out[2]];
        double[] std = new double[out[2]];
        for (int c = 0; c < out[2]; c++) {
            int src = m.image().channels() == 1 ? 0 : c;
            double mu = m.channelStats().mean()[src];
            double sd = m.channelStats().std()[src];
            double meanSquare = (sd * sd + mu * mu) * area;
            mean[c] = mu * area;
            std[c] = Math.sqrt(Math.max(meanSquare - mean[c] * mean[c], 0));
        }
        return new double[][]{mean, std};
    }

    /**
     * Writes one image, HWC uint8 of {@code h}x{@code w}x{@code c}, as CHW floats in [0, 1] of the output
     * shape into {@code dst} at {@code offset}. With {@code rng} non-null and augmentation on, applies the
     * random crop and flip.
     */
    public void apply(byte[] px, int h, int w, int c, int[] out, float[] dst, int offset, Random rng) {
        int oh = out[0], ow = out[1], oc = out[2];
        int top = (oh - h) / 2, left = (ow - w) / 2;
        boolean aug = rng != null && augment == Augment.CROP_FLIP;
        int dy = aug ? rng.nextInt(2 * CROP_PAD + 1) - CROP_PAD : 0;
        int dx = aug ? rng.nextInt(2 * CROP_PAD + 1) - CROP_PAD : 0;
        boolean flip = aug && rng.nextBoolean();
        int plane = oh * ow;
        for (int y = 0; y < oh; y++) {
            int sy = reflect(y + dy, oh) - top;
            for (int x = 0; x < ow; x++) {
                int xx = flip ? ow - 1 - x : x;
                int sx = reflect(xx + dx, ow) - left;
                boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                for (int ch = 0; ch < oc; ch++) {
                    int srcC = c == 1 ? 0 : ch;
                    dst[offset + ch * plane + y * ow + x] = inside ? (px[(sy * w + sx) * c + srcC] & 0xff) / 255f : 0f;
                }
            }
        }
    }

    /** PyTorch's 'reflect' padding index (the edge pixel is not repeated). */
    static int reflect(int i, int n) {
        if (i < 0) {
            return -i;
        }
        if (i >= n) {
            return 2 * n - 2 - i;
        }
        return i;
    }
}
