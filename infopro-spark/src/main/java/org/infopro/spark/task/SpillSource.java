package org.infopro.spark.task;

import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillRecord;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

/**
 * Batches read back from a spill: the spilled activation is the input of the next module, the record's
 * label and uint8 reconstruction target (the augmented image of its view) complete the batch. Augmentation
 * was drawn when the view was spilled, so {@code rng} is not used.
 */
public record SpillSource(SpillLayout layout, int numClasses) implements BatchSource<SpillRecord> {

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
        float[] act = new float[n * per];
        float[] target = new float[n * tPer];
        float[] onehot = new float[n * numClasses];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            SpillRecord r = items.get(from + i);
            if (r.activation().length != layout.activationBytes() || r.target().length != tPer) {
                throw new IllegalStateException("spilled record " + r.key() + " view " + r.view() + " has " + r.activation().length
                        + " activation and " + r.target().length + " target bytes, the spill's layout says "
                        + layout.activationBytes() + " and " + tPer + "; the spill is damaged: delete it and resume to rewrite it");
            }
            layout.precision().decode(r.activation(), act, i * per);
            byte[] px = r.target();
            for (int j = 0; j < tPer; j++) {
                target[i * tPer + j] = (px[j] & 0xFF) / 255f;
            }
            labels[i] = r.label();
            onehot[i * numClasses + r.label()] = 1f;
        }
        int[] s = layout.shape();
        return new ImageBatch(Nd4j.create(act, new long[]{n, s[0], s[1], s[2]}, DataType.FLOAT),
                Nd4j.create(target, new long[]{n, t[0], t[1], t[2]}, DataType.FLOAT),
                Nd4j.create(onehot, new long[]{n, numClasses}, DataType.FLOAT), labels);
    }
}
