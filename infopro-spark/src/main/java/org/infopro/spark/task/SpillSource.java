package org.infopro.spark.task;

import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.Trunk;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillRecord;
import org.infopro.spark.spill.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

/**
 * Batches read back from a spill: the spilled activation is the input of the next module, the record's
 * label (or, for segmentation, its per-pixel train ids) and uint8 reconstruction target (the augmented image
 * of its view) complete the batch. Augmentation was drawn when the view was spilled, so {@code rng} is not used.
 */
public record SpillSource(SpillLayout layout, int numClasses) implements BatchSource<SpillRecord> {

    /**
     * The layout of {@code module}'s outputs spilled at {@code trunk}'s input size: the module's output shape, the input
     * image as the reconstruction target, and with {@code pixelLabels} the input's H·W of train ids.
     */
    public static SpillLayout layout(Trunk trunk, ModulePlan module, Precision precision, boolean pixelLabels) {
        int[] in = trunk.inputShape();
        return new SpillLayout(module.outputShape(), precision, in, pixelLabels ? new int[]{in[1], in[2]} : null);
    }

    @Override
    public String key(SpillRecord item) {
        return item.key();
    }

    @Override
    public String order(SpillRecord item) {
        return item.key() + "#" + item.view();
    }

    @Override
    public int view(SpillRecord item) {
        return item.view();
    }

    @Override
    public ImageBatch assemble(List<SpillRecord> items, int from, int to, Random rng, ModuleStack stack) {
        int n = to - from;
        int per = layout.values();
        int[] t = layout.targetShape();
        int tPer = t[0] * t[1] * t[2];
        int[] l = layout.labelShape();
        int lPer = layout.pixelLabels() ? l[0] * l[1] : 0;
        float[] act = new float[n * per];
        float[] target = new float[n * tPer];
        int[] labels = new int[n];
        int[] ids = new int[n * lPer];
        List<String> keys = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SpillRecord r = items.get(from + i);
            if (r.activation().length != layout.activationBytes() || r.target().length != tPer || r.pixels().length != lPer) {
                throw new IllegalStateException("spilled record " + r.key() + " view " + r.view() + " has " + r.activation().length
                        + " activation, " + r.target().length + " target and " + r.pixels().length + " label bytes, the spill's "
                        + "layout says " + layout.activationBytes() + ", " + tPer + " and " + lPer
                        + "; the spill is damaged: delete it and resume to rewrite it");
            }
            layout.precision().decode(r.activation(), act, i * per);
            byte[] px = r.target();
            for (int j = 0; j < tPer; j++) {
                target[i * tPer + j] = (px[j] & 0xFF) / 255f;
            }
            byte[] pl = r.pixels();
            for (int j = 0; j < lPer; j++) {
                ids[i * lPer + j] = pl[j] & 0xFF;
            }
            labels[i] = r.label();
            keys.add(r.key());
        }
        int[] s = layout.shape();
        INDArray features = Nd4j.create(act, new long[]{n, s[0], s[1], s[2]}, DataType.FLOAT);
        INDArray pixels01 = Nd4j.create(target, new long[]{n, t[0], t[1], t[2]}, DataType.FLOAT);
        if (!layout.pixelLabels()) {
            float[] onehot = new float[n * numClasses];
            for (int i = 0; i < n; i++) {
                onehot[i * numClasses + labels[i]] = 1f;
            }
            return new ImageBatch(features, pixels01, Nd4j.create(onehot, new long[]{n, numClasses}, DataType.FLOAT), labels);
        }
        float[] onehot = ImageBatch.PixelLabels.oneHot(ids, numClasses, lPer, e -> "spilled image " + keys.get(e));
        return new ImageBatch(features, pixels01, Nd4j.create(onehot, new long[]{n, numClasses, l[0], l[1]}, DataType.FLOAT), labels,
                ImageBatch.PixelLabels.of(ids, n, l[0], l[1]));
    }
}
