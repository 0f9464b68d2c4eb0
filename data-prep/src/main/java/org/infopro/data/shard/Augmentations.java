package org.infopro.data.shard;

import org.infopro.data.image.Resize;
import org.infopro.data.image.RgbImage;

import java.util.Random;

/**
 * The per-dataset geometric augmentations of the training reader, on decoded images:
 * ImageNet's random-resized crop (torchvision's RandomResizedCrop: area 8-100 %, aspect 3/4-4/3, ten
 * tries then a centre crop) and its evaluation resize + centre crop; and Cityscapes' joint random scale,
 * crop and flip, where the mask goes through nearest-neighbour scaling, the same crop window (padded with
 * ignore) and the same flip, so every mask value is one that was in the mask, or ignore.
 */
public final class Augmentations {
    public static final double RRC_MIN_AREA = 0.08;
    public static final double RRC_MAX_LOG_RATIO = Math.log(4.0 / 3.0);
    public static final int IGNORE = 255;

    /** An image with its mask (null for classification). */
    public record Pair(RgbImage image, RgbImage mask) {
    }

    private Augmentations() {
    }

    /** Random-resized crop to {@code size}x{@code size}, then a horizontal flip with probability ½. */
    public static RgbImage randomResizedCrop(RgbImage img, int size, Random rng) {
        int w = img.width(), h = img.height();
        double area = (double) w * h;
        int cw = 0, ch = 0, x = 0, y = 0;
        boolean found = false;
        for (int attempt = 0; attempt < 10 && !found; attempt++) {
            double target = area * (RRC_MIN_AREA + rng.nextDouble() * (1 - RRC_MIN_AREA));
            double ratio = Math.exp(-RRC_MAX_LOG_RATIO + rng.nextDouble() * 2 * RRC_MAX_LOG_RATIO);
            cw = (int) Math.round(Math.sqrt(target * ratio));
            ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
                x = rng.nextInt(w - cw + 1);
                y = rng.nextInt(h - ch + 1);
                found = true;
            }
        }
        if (!found) {
            double ratio = (double) w / h;
            if (ratio < 3.0 / 4.0) {
                cw = w;
                ch = (int) Math.round(w / (3.0 / 4.0));
            } else if (ratio > 4.0 / 3.0) {
                ch = h;
                cw = (int) Math.round(h * (4.0 / 3.0));
            } else {
                cw = w;
                ch = h;
            }
            cw = Math.min(cw, w);
            ch = Math.min(ch, h);
            x = (w - cw) / 2;
            y = (h - ch) / 2;
        }
        RgbImage out = Resize.resize(crop(img, x, y, cw, ch, 0), size, size);
        return rng.nextBoolean() ? flip(out) : out;
    }

    /** Evaluation: short side to {@code resize}, then the centre {@code size}x{@code size}. */
    public static RgbImage resizeCenterCrop(RgbImage img, int resize, int size) {
        RgbImage r = Math.min(img.width(), img.height()) == resize ? img : Resize.shortSide(img, resize);
        return r.width() == size && r.height() == size ? r : Resize.centerCrop(r, size, size);
    }

    /**
     * Cityscapes training: scale both by one factor in [{@code minScale}, {@code maxScale}] (image
     * antialiased, mask nearest), take one random {@code cropH}x{@code cropW} window (padding the image with 0
     * and the mask with ignore where the scaled frame is smaller), flip both with probability ½.
     */
    public static Pair scaleCropFlip(RgbImage img, RgbImage mask, double minScale, double maxScale, int cropH, int cropW,
                                     Random rng) {
        double s = minScale + rng.nextDouble() * (maxScale - minScale);
        int w = Math.max(1, (int) Math.round(img.width() * s));
        int h = Math.max(1, (int) Math.round(img.height() * s));
        RgbImage si = Resize.resize(img, w, h);
        RgbImage sm = Resize.nearest(mask, w, h);
        int x = w > cropW ? rng.nextInt(w - cropW + 1) : 0;
        int y = h > cropH ? rng.nextInt(h - cropH + 1) : 0;
        RgbImage ci = crop(si, x, y, cropW, cropH, 0);
        RgbImage cm = crop(sm, x, y, cropW, cropH, IGNORE);
        return rng.nextBoolean() ? new Pair(flip(ci), flip(cm)) : new Pair(ci, cm);
    }

    /** The window at ({@code x}, {@code y}) of size {@code w}x{@code h}; outside the image is {@code fill}. */
    public static RgbImage crop(RgbImage img, int x, int y, int w, int h, int fill) {
        int c = img.channels();
        byte[] out = new byte[w * h * c];
        if (fill != 0) {
            java.util.Arrays.fill(out, (byte) fill);
        }
        byte[] src = img.pixels();
        for (int row = 0; row < h; row++) {
            int sy = y + row;
            if (sy < 0 || sy >= img.height()) {
                continue;
            }
            int x0 = Math.max(0, x), x1 = Math.min(img.width(), x + w);
            if (x1 > x0) {
                System.arraycopy(src, (sy * img.width() + x0) * c, out, (row * w + (x0 - x)) * c, (x1 - x0) * c);
            }
        }
        return new RgbImage(w, h, c, out);
    }

    public static RgbImage flip(RgbImage img) {
        int w = img.width(), h = img.height(), c = img.channels();
        byte[] src = img.pixels();
        byte[] out = new byte[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * c, out, (y * w + (w - 1 - x)) * c, c);
            }
        }
        return new RgbImage(w, h, c, out);
    }

    /**
     * mmsegmentation's {@code PhotoMetricDistortion} on an RGB image, each step with probability ½: brightness
     * ± up to 32, then contrast ×[0.5, 1.5] either first or last (½ each), saturation ×[0.5, 1.5] and hue ± up to 18
     * of OpenCV's 180 steps in between. Every step clips to 0..255 and truncates to 8 bits, as mmsegmentation's does;
     * hue and saturation go through HSV by {@link java.awt.Color} (in float, where OpenCV's uint8 HSV rounds). The mask
     * is not touched.
     */
    public static RgbImage photometric(RgbImage img, Random rng) {
        if (img.channels() != 3) {
            throw new IllegalArgumentException("photometric distortion needs an RGB image, got " + img.channels() + " channel(s)");
        }
        byte[] px = img.pixels().clone();
        if (rng.nextBoolean()) {
            affine(px, 1, -32 + 64 * rng.nextDouble());
        }
        boolean contrastFirst = rng.nextBoolean();
        if (contrastFirst && rng.nextBoolean()) {
            affine(px, 0.5 + rng.nextDouble(), 0);
        }
        double saturation = rng.nextBoolean() ? 0.5 + rng.nextDouble() : 1;
        int hue = rng.nextBoolean() ? rng.nextInt(37) - 18 : 0;
        if (saturation != 1 || hue != 0) {
            float[] hsb = new float[3];
            for (int i = 0; i < px.length; i += 3) {
                java.awt.Color.RGBtoHSB(px[i] & 0xff, px[i + 1] & 0xff, px[i + 2] & 0xff, hsb);
                float h = (float) (hsb[0] + hue / 180.0);
                int rgb = java.awt.Color.HSBtoRGB(h - (float) Math.floor(h), (float) Math.min(1, hsb[1] * saturation), hsb[2]);
                px[i] = (byte) (rgb >> 16);
                px[i + 1] = (byte) (rgb >> 8);
                px[i + 2] = (byte) rgb;
            }
        }
        if (!contrastFirst && rng.nextBoolean()) {
            affine(px, 0.5 + rng.nextDouble(), 0);
        }
        return new RgbImage(img.width(), img.height(), 3, px);
    }

    /** {@code px = trunc(clip(px · alpha + beta, 0, 255))}, in place. */
    private static void affine(byte[] px, double alpha, double beta) {
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (int) Math.max(0, Math.min(255, (px[i] & 0xff) * alpha + beta));
        }
    }
}
