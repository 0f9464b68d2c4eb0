package org.infopro.spark.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DL4J's Nesterovs updater keeps its velocity scaled by the learning rate, PyTorch's SGD(nesterov=True)
 * keeps an unscaled buffer: buf = μ·buf + g; w −= lr·(g + μ·buf). At a constant rate the two are the same
 * update, which this checks step by step; when the rate changes (at an epoch boundary of the cosine
 * schedule) DL4J's stored velocity carries the old rate for one step, a small documented difference.
 */
class NesterovTest {

    @Test
    void dl4jNesterovEqualsPyTorchNesterovAtAConstantRate() {
        double lr = 0.1, mu = 0.9;
        double[] grads = {0.5, -1.0, 0.25, 2.0, -0.75};
        GradientUpdater<?> u = new Nesterovs(lr, mu).instantiate(Nd4j.zeros(DataType.DOUBLE, 1, 1), true);
        double w = 1.0, wTorch = 1.0, buf = 0;
        for (int i = 0; i < grads.length; i++) {
            INDArray g = Nd4j.scalar(DataType.DOUBLE, grads[i]).reshape(1, 1);
            u.applyUpdater(g, i, 0);
            w -= g.getDouble(0);       // DL4J: params -= updated gradient
            buf = mu * buf + grads[i];
            wTorch -= lr * (grads[i] + mu * buf);
            assertEquals(wTorch, w, 1e-12, "step " + i);
        }
    }
}
