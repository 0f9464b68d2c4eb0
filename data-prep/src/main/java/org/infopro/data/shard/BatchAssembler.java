package org.infopro.data.shard;

import org.infopro.data.image.RgbImage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.List;
import java.util.Random;

/**
 * Turns raw uint8 HWC shard images into {@link ImageBatch}es: applies the {@link InputTransform}
 * (padding, channel replication, and for training the random crop and flip), scales to [0, 1] and
 * normalises with statistics derived from the manifest. Serializable so executors can carry it.
 */
public final class BatchAssembler implements Serializable {
    private final int srcHeight;
    private final int srcWidth;
    private final int srcChannels;
    private final int[] out;
    private final int numClasses;
    private final float[] mean;
    private final float[] std;
    private final InputTransform transform;
    private final boolean segmentation;

    public BatchAssembler(DatasetManifest m) {
        this(m, InputTransform.identity());
    }

    public BatchAssembler(DatasetManifest m, InputTransform transform) {
        this.transform = transform;
        this.srcHeight = m.image().height();
        this.srcWidth = m.image().width();
        this.srcChannels = m.image().channels();
        this.out = transform.outputShape(m.image());
        this.numClasses = m.numClasses();
        this.segmentation = m.mask() != null;
        double[][] ms = transform.normalisation(m);
        this.mean = new float[out[2]];
        this.std = new float[out[2]];
        for (int c = 0; c < out[2]; c++) {
            mean[c] = (float) ms[0][c];
            std[c] = (float) Math.max(ms[1][c], 1e-6);
        }
    }

    public int numClasses() {
        return numClasses;
    }

    /** True when the dataset's rows carry segmentation masks, so batches have per-pixel labels. */
    public boolean segmentation() {
        return segmentation;
    }

    /** Network input shape {height, width, channels}. */
    public int[] outputShape() {
        return out.clone();
    }

    /** Builds an evaluation batch (no augmentation) from {@code images[from, to)}. */
    public ImageBatch assemble(List<LabeledImage> images, int from, int to) {
        return assemble(images, from, to, null);
    }

    /** Builds a batch from {@code images[from, to)}; {@code rng} non-null draws the training augmentation. */
    public ImageBatch assemble(List<LabeledImage> images, int from, int to, Random rng) {
        return toDevice(assembleHost(images, from, to, rng));
    }

    /**
     * The batch's arrays in the heap (no native memory, so any thread may build it); see {@link #toDevice}. Images
     * that carry masks make a segmentation batch ({@link #assembleSegmentation}).
     */
    public HostBatch assembleHost(List<LabeledImage> images, int from, int to, Random rng) {
        if (to > from && images.get(from).mask() != null) {
            return assembleSegmentation(images, from, to, rng);
        }
        int n = to - from;
        int plane = out[0] * out[1];
        int per = plane * out[2];
        int srcBytes = srcHeight * srcWidth * srcChannels;
        float[] raw = new float[n * per];
        float[] norm = new float[n * per];
        float[] onehot = new float[n * numClasses];
        int[] labels = new int[n];
        List<String> keys = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LabeledImage img = images.get(from + i);
            if (img.label() < 0 || img.label() >= numClasses) {
                throw new IllegalArgumentException("image " + img.key() + " has label " + img.label() + " outside [0, " + numClasses + ")");
            }
            if (transform.crops()) {
                RgbImage src = decoded(img);
                RgbImage g = rng != null && transform.augment() == InputTransform.Augment.RANDOM_RESIZED_CROP
                        ? Augmentations.randomResizedCrop(src, out[0], rng)
                        : Augmentations.resizeCenterCrop(src, transform.evalResize(), out[0]);
                writeChw(g, raw, i * per, out[2]);
            } else {
                byte[] px = img.pixels();
                if (px.length != srcBytes) {
                    throw new IllegalArgumentException("image " + img.key() + " has " + px.length + " bytes, expected "
                            + srcBytes + " (" + srcHeight + "x" + srcWidth + "x" + srcChannels + ")");
                }
                transform.apply(px, srcHeight, srcWidth, srcChannels, out, raw, i * per, rng);
            }
            normalise(raw, norm, i * per, plane);
            labels[i] = img.label();
            onehot[i * numClasses + img.label()] = 1f;
            keys.add(img.key());
        }
        return new HostBatch(norm, raw, onehot, labels, keys, new long[]{n, out[2], out[0], out[1]}, numClasses);
    }

    /** The batch in native memory, owned by the caller; a segmentation batch gets its label mask (1 = counted pixel). */
    public static ImageBatch toDevice(HostBatch b) {
        long[] s = b.shape();
        if (b.pixelIds() == null) {
            return new ImageBatch(
                    Nd4j.create(b.features(), s, DataType.FLOAT),
                    Nd4j.create(b.pixels01(), s, DataType.FLOAT),
                    Nd4j.create(b.onehot(), new long[]{b.size(), b.numClasses()}, DataType.FLOAT),
                    b.labels());
        }
        return new ImageBatch(
                Nd4j.create(b.features(), s, DataType.FLOAT),
                Nd4j.create(b.pixels01(), s, DataType.FLOAT),
                Nd4j.create(b.onehot(), new long[]{s[0], b.numClasses(), s[2], s[3]}, DataType.FLOAT),
                b.labels(),
                ImageBatch.PixelLabels.of(b.pixelIds(), (int) s[0], (int) s[2], (int) s[3]));
    }

    /**
     * A segmentation batch from {@code images[from, to)}, which must carry masks: with {@code rng} non-null and
     * {@code --augment scale-crop-flip}, Cityscapes' joint scale/crop/flip ({@link Augmentations#scaleCropFlip}) to
     * {@code crop}x(2·crop), else the whole frames (which must share one size). Every pixel's train id must be a class
     * or 255 (ignore); the one-hot labels are per pixel.
     */
    private HostBatch assembleSegmentation(List<LabeledImage> images, int from, int to, Random rng) {
        int n = to - from;
        List<Augmentations.Pair> pairs = new java.util.ArrayList<>(n);
        List<String> keys = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LabeledImage img = images.get(from + i);
            if (img.mask() == null) {
                throw new IllegalArgumentException("image " + img.key() + " has no mask; segmentation needs a dataset with masks.");
            }
            RgbImage src = decoded(img);
            RgbImage mask = new RgbImage(src.width(), src.height(), 1, img.mask());
            Augmentations.Pair pair = rng != null && transform.augment() == InputTransform.Augment.SCALE_CROP_FLIP && transform.crop() > 0
                    ? Augmentations.scaleCropFlip(src, mask, 0.5, 2.0, transform.crop(), 2 * transform.crop(), rng)
                    : new Augmentations.Pair(src, mask);
            pairs.add(rng != null && transform.photometric()
                    ? new Augmentations.Pair(Augmentations.photometric(pair.image(), rng), pair.mask()) : pair);
            keys.add(img.key());
        }
        int h = pairs.get(0).image().height(), w = pairs.get(0).image().width(), c = out[2];
        int plane = h * w;
        float[] raw = new float[n * plane * c];
        float[] norm = new float[n * plane * c];
        int[] ids = new int[n * plane];
        for (int i = 0; i < n; i++) {
            Augmentations.Pair p = pairs.get(i);
            if (p.image().height() != h || p.image().width() != w) {
                throw new IllegalArgumentException("frames differ in size (" + w + "x" + h + " vs " + p.image().width() + "x"
                        + p.image().height() + "); crop them (--augment scale-crop-flip --crop N) to batch them.");
            }
            writeChw(p.image(), raw, i * plane * c, c);
            normalise(raw, norm, i * plane * c, plane);
            byte[] m = p.mask().pixels();
            for (int k = 0; k < plane; k++) {
                ids[i * plane + k] = m[k] & 0xff;
            }
        }
        float[] onehot = ImageBatch.PixelLabels.oneHot(ids, numClasses, plane, e -> "image " + keys.get(e));
        return new HostBatch(norm, raw, onehot, new int[n], keys, new long[]{n, c, h, w}, numClasses, ids);
    }

    /**
     * The network input {height, width, channels} of evaluation: the training shape ({@link #outputShape}), except
     * that segmentation ({@code --augment scale-crop-flip}) evaluates whole frames, which must share one size.
     */
    public int[] evalShape() {
        if (transform.augment() != InputTransform.Augment.SCALE_CROP_FLIP) {
            return outputShape();
        }
        if (srcHeight <= 0 || srcWidth <= 0) {
            throw new org.infopro.data.config.ConfigException("the dataset's frames differ in size, so whole-frame evaluation "
                    + "cannot batch them; prepare frames of one size (Cityscapes: 2048x1024).");
        }
        return new int[]{srcHeight, srcWidth, out[2]};
    }

    private RgbImage decoded(LabeledImage img) {
        int h = img.height() > 0 ? img.height() : srcHeight;
        int w = img.width() > 0 ? img.width() : srcWidth;
        int c = img.channels() > 0 ? img.channels() : srcChannels;
        RgbImage src = new RgbImage(w, h, c, img.pixels());
        if (c == 1 && out[2] == 3) {
            byte[] rgb = new byte[w * h * 3];
            for (int k = 0; k < w * h; k++) {
                rgb[3 * k] = rgb[3 * k + 1] = rgb[3 * k + 2] = img.pixels()[k];
            }
            src = new RgbImage(w, h, 3, rgb);
        }
        return src;
    }

    /** HWC uint8 to CHW floats in [0, 1]. */
    private static void writeChw(RgbImage g, float[] dst, int offset, int channels) {
        int plane = g.width() * g.height();
        byte[] px = g.pixels();
        int gc = g.channels();
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < channels; ch++) {
                dst[offset + ch * plane + p] = (px[p * gc + Math.min(ch, gc - 1)] & 0xff) / 255f;
            }
        }
    }

    private void normalise(float[] raw, float[] norm, int offset, int plane) {
        for (int c = 0; c < mean.length; c++) {
            for (int p = 0; p < plane; p++) {
                int o = offset + c * plane + p;
                norm[o] = (raw[o] - mean[c]) / std[c];
            }
        }
    }
}
