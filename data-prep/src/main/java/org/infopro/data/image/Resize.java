package org.infopro.data.image;

/**
 * Resizing and cropping of {@link RgbImage}s with any channel count.
 *
 * <p>{@link #resize} and {@link #shortSide} use Pillow's antialiased bilinear resample ({@code
 * Image.resize(..., BILINEAR)}, libImaging/Resample.c), which torchvision's {@code Resize} calls: a separable
 * triangle filter {@code max(0, 1 - |x|)} evaluated at source pixel centres, whose support is widened by the
 * scale factor when downscaling. Downscaling by {@code s} therefore averages a window of about {@code 2s}
 * source pixels with tent weights (area-weighted, no aliasing), and upscaling ({@code s < 1}) reduces to plain
 * bilinear interpolation with edge clamping. Weights are precomputed once per output column and row, normalised
 * and held in 22-bit fixed point; the horizontal pass runs first, then the vertical one, each rounding to 8
 * bits, as Pillow does.
 */
public final class Resize {
    private static final int PRECISION_BITS = 22;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private Resize() {
    }

    /**
     * Scales so that the shorter side becomes {@code s} and the aspect ratio is kept, the longer side rounded
     * to the nearest pixel: 500x375 becomes 341x256. Returns {@code img} itself when it already has that size.
     */
    public static RgbImage shortSide(RgbImage img, int s) {
        if (s <= 0) {
            throw new IllegalArgumentException("short side " + s + " must be positive");
        }
        int w = img.width();
        int h = img.height();
        if (w <= h) {
            return resize(img, s, (int) Math.max(1, Math.round((double) h * s / w)));
        }
        return resize(img, (int) Math.max(1, Math.round((double) w * s / h)), s);
    }

    /** Scales to exactly {@code w x h} with the antialiased bilinear filter described on the class. */
    public static RgbImage resize(RgbImage img, int w, int h) {
        checkSize(w, h);
        if (w == img.width() && h == img.height()) {
            return img;
        }
        int c = img.channels();
        byte[] px = img.pixels();
        int srcW = img.width();
        if (w != srcW) {
            px = horizontal(px, srcW, img.height(), c, taps(srcW, w), w);
        }
        if (h != img.height()) {
            px = vertical(px, w * c, taps(img.height(), h), h);
        }
        return new RgbImage(w, h, c, px);
    }

    /**
     * Nearest-neighbour scaling for masks of class ids: every output sample is a copy of an input sample,
     * taken at {@code src = floor((dst + 0.5) * srcSize / dstSize)}, the pixel-centre convention.
     */
    public static RgbImage nearest(RgbImage img, int w, int h) {
        checkSize(w, h);
        int c = img.channels();
        int[] xs = nearestIndex(img.width(), w);
        int[] ys = nearestIndex(img.height(), h);
        byte[] src = img.pixels();
        byte[] out = new byte[w * h * c];
        int o = 0;
        for (int y = 0; y < h; y++) {
            int row = ys[y] * img.width();
            for (int x = 0; x < w; x++) {
                int s = (row + xs[x]) * c;
                for (int k = 0; k < c; k++) {
                    out[o++] = src[s + k];
                }
            }
        }
        return new RgbImage(w, h, c, out);
    }

    /**
     * The centred {@code w x h} window; when the margin is odd the extra pixel is left at the right/bottom
     * (the offset is {@code floor((W - w) / 2)}). Fails when the window is larger than the image.
     */
    public static RgbImage centerCrop(RgbImage img, int w, int h) {
        checkSize(w, h);
        if (w > img.width() || h > img.height()) {
            throw new IllegalArgumentException("cannot crop " + w + "x" + h + " out of a " + img.width() + "x"
                    + img.height() + " image; resize it first (e.g. shortSide) so both sides are at least the crop");
        }
        int c = img.channels();
        int left = (img.width() - w) / 2;
        int top = (img.height() - h) / 2;
        byte[] out = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.pixels(), ((top + y) * img.width() + left) * c, out, y * w * c, w * c);
        }
        return new RgbImage(w, h, c, out);
    }

    private static void checkSize(int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("target size " + w + "x" + h + " must be positive");
        }
    }

    private static int[] nearestIndex(int in, int out) {
        int[] idx = new int[out];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            idx[i] = Math.min((int) Math.floor((i + 0.5) * scale), in - 1);
        }
        return idx;
    }

    /**
     * Per output index: the first source index, the tap count and the fixed-point weights (row {@code i} of
     * {@code weights} starts at {@code i * stride}).
     */
    private record Taps(int[] first, int[] count, int[] weights, int stride) {
    }

    /** Pillow's {@code precompute_coeffs} for the triangle filter (support 1). */
    static Taps taps(int in, int out) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[out];
        int[] count = new int[out];
        int[] weights = new int[out * stride];
        double[] k = new double[stride];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            int lo = Math.max((int) (center - support + 0.5), 0);
            int hi = Math.min((int) (center + support + 0.5), in);
            int n = Math.min(hi - lo, stride);
            double total = 0;
            for (int j = 0; j < n; j++) {
                double x = Math.abs((j + lo - center + 0.5) / filterScale);
                k[j] = x < 1 ? 1 - x : 0;
                total += k[j];
            }
            for (int j = 0; j < n; j++) {
                weights[i * stride + j] = (int) Math.round(total == 0 ? 0 : k[j] / total * (1 << PRECISION_BITS));
            }
            first[i] = lo;
            count[i] = n;
        }
        return new Taps(first, count, weights, stride);
    }

    private static byte[] horizontal(byte[] src, int srcW, int h, int c, Taps t, int outW) {
        byte[] out = new byte[outW * h * c];
        int[] first = t.first();
        int[] count = t.count();
        int[] wt = t.weights();
        int stride = t.stride();
        for (int y = 0; y < h; y++) {
            int rowIn = y * srcW * c;
            int o = y * outW * c;
            if (c == 3) {
                for (int x = 0; x < outW; x++) {
                    int p = rowIn + first[x] * 3;
                    int kb = x * stride;
                    int r = HALF;
                    int g = HALF;
                    int b = HALF;
                    for (int j = 0, n = count[x]; j < n; j++, p += 3) {
                        int wj = wt[kb + j];
                        r += (src[p] & 0xff) * wj;
                        g += (src[p + 1] & 0xff) * wj;
                        b += (src[p + 2] & 0xff) * wj;
                    }
                    out[o++] = clip8(r);
                    out[o++] = clip8(g);
                    out[o++] = clip8(b);
                }
            } else {
                for (int x = 0; x < outW; x++) {
                    int kb = x * stride;
                    for (int ch = 0; ch < c; ch++) {
                        int p = rowIn + first[x] * c + ch;
                        int acc = HALF;
                        for (int j = 0, n = count[x]; j < n; j++, p += c) {
                            acc += (src[p] & 0xff) * wt[kb + j];
                        }
                        out[o++] = clip8(acc);
                    }
                }
            }
        }
        return out;
    }

    /** Rows of {@code rowLen} samples; accumulates whole rows so the inner loop is a plain multiply-add over an array. */
    private static byte[] vertical(byte[] src, int rowLen, Taps t, int outH) {
        byte[] out = new byte[rowLen * outH];
        int[] acc = new int[rowLen];
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(acc, HALF);
            int kb = y * t.stride();
            for (int j = 0, n = t.count()[y]; j < n; j++) {
                int wj = t.weights()[kb + j];
                int p = (t.first()[y] + j) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[p + i] & 0xff) * wj;
                }
            }
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = clip8(acc[i]);
            }
        }
        return out;
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
