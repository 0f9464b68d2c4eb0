package org.infopro.spark.module;

import org.infopro.data.shard.ImageBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A seeded batch of random images and cycling labels, for measuring speed and memory (which do not depend on pixel values). */
public final class SyntheticBatch {
    private SyntheticBatch() {
    }

    public static ImageBatch of(int n, int channels, int height, int width, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, channels, height, width);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            y.putScalar(i, labels[i], 1f);
        }
        return new ImageBatch(x.sub(0.5f).muli(4f), x, y, labels);
    }
}
