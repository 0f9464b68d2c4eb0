package org.infopro.data.shard;

import org.infopro.data.manifest.DatasetManifest;
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
        int n = to - from;
        int plane = out[0] * out[1];
        int per = plane * out[2];
        int srcBytes = srcHeight * srcWidth * srcChannels;
        float[] raw = new float[n * per];
        float[] norm = new float[n * per];
        float[] onehot = new float[n * numClasses];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            LabeledImage img = images.get(from + i);
            byte[] px = img.pixels();
            if (px.length != srcBytes) {
                throw new IllegalArgumentException("image " + img.key() + " has " + px.length + " bytes, expected "
                        + srcBytes + " (" + srcHeight + "x" + srcWidth + "x" + srcChannels + ")");
            }
            if (img.label() < 0 || img.label() >= numClasses) {
                throw new IllegalArgumentException("image " + img.key() + " has label " + img.label() + " outside [0, " + numClasses + ")");
            }
            transform.apply(px, srcHeight, srcWidth, srcChannels, out, raw, i * per, rng);
            for (int c = 0; c < out[2]; c++) {
                for (int p = 0; p < plane; p++) {
                    int o = i * per + c * plane + p;
                    norm[o] = (raw[o] - mean[c]) / std[c];
                }
            }
            labels[i] = img.label();
            onehot[i * numClasses + img.label()] = 1f;
        }
        long[] shape = {n, out[2], out[0], out[1]};
        return new ImageBatch(
                Nd4j.create(norm, shape, DataType.FLOAT),
                Nd4j.create(raw, shape, DataType.FLOAT),
                Nd4j.create(onehot, new long[]{n, numClasses}, DataType.FLOAT),
                labels);
    }
}
