package org.infopro.data.shard;

import org.infopro.data.manifest.DatasetManifest;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.List;

/**
 * Turns raw uint8 HWC shard images into {@link ImageBatch}es: transposes to CHW, scales to [0, 1],
 * and normalises with the manifest's per-channel statistics. Serializable so executors can carry it.
 */
public final class BatchAssembler implements Serializable {
    private final int height;
    private final int width;
    private final int channels;
    private final int numClasses;
    private final float[] mean;
    private final float[] std;

    public BatchAssembler(DatasetManifest m) {
        this.height = m.image().height();
        this.width = m.image().width();
        this.channels = m.image().channels();
        this.numClasses = m.numClasses();
        this.mean = new float[channels];
        this.std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) m.channelStats().mean()[c];
            std[c] = (float) Math.max(m.channelStats().std()[c], 1e-6);
        }
    }

    public int numClasses() {
        return numClasses;
    }

    /** Builds a batch from {@code images[from, to)}. */
    public ImageBatch assemble(List<LabeledImage> images, int from, int to) {
        int n = to - from;
        int plane = height * width;
        int per = plane * channels;
        float[] raw = new float[n * per];
        float[] norm = new float[n * per];
        float[] onehot = new float[n * numClasses];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            LabeledImage img = images.get(from + i);
            byte[] px = img.pixels();
            if (px.length != per) {
                throw new IllegalArgumentException("image " + img.key() + " has " + px.length + " bytes, expected "
                        + per + " (" + height + "x" + width + "x" + channels + ")");
            }
            if (img.label() < 0 || img.label() >= numClasses) {
                throw new IllegalArgumentException("image " + img.key() + " has label " + img.label() + " outside [0, " + numClasses + ")");
            }
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++) {
                    float v = (px[p * channels + c] & 0xff) / 255f;
                    int o = i * per + c * plane + p;
                    raw[o] = v;
                    norm[o] = (v - mean[c]) / std[c];
                }
            }
            labels[i] = img.label();
            onehot[i * numClasses + img.label()] = 1f;
        }
        long[] shape = {n, channels, height, width};
        return new ImageBatch(
                Nd4j.create(norm, shape, DataType.FLOAT),
                Nd4j.create(raw, shape, DataType.FLOAT),
                Nd4j.create(onehot, new long[]{n, numClasses}, DataType.FLOAT),
                labels);
    }
}
