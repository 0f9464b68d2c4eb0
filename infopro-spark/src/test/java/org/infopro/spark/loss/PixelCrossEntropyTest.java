package org.infopro.spark.loss;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.infopro.data.prep.CityscapesLabels;
import org.infopro.spark.measure.ConfusionMatrix;
import org.infopro.spark.model.BilinearUpsample;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelCrossEntropyTest {
    /** Logits of 2 classes on a 2x2 grid, example-major NCHW. */
    private static final float[] LOGITS = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, 1.0f, -1.0f, 2.0f};
    /** A 3x3 label image with three ignored pixels. */
    private static final int[] LABELS = {0, 1, 255, 1, 0, 1, 255, 255, 0};
    /**
     * By hand (align corners: output i samples input i/2, so the 3x3 upsampling of class 0 is
     * [1, -0.5, -2; 0.75, 0.625, 0.5; 0.5, 1.75, 3] and of class 1 [0, 0.5, 1; -0.5, 0.5, 1.5; -1, 0.5, 2]):
     * the sum of log-sum-exp minus the labelled logit over the six counted pixels, divided by all nine.
     */
    private static final double MEAN_OVER_ALL_PIXELS = 0.37639720741504823;

    /** The FCN auxiliary head's loss weight. */
    private static final double WEIGHT = 0.4;

    private static ComputationGraph upsampleThenLoss() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("logits").setInputTypes(InputType.convolutional(2, 2, 2))
                .addLayer("up", new BilinearUpsample("up", 3, 3), "logits")
                .addLayer("loss", PixelCrossEntropy.layer(2, WEIGHT, 3, 3), "up")
                .setOutputs("loss").build());
        net.init();
        return net;
    }

    private static double score(ComputationGraph net, INDArray logits, int[][] labels) {
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(labels, 2, 3, 3)) {
            return net.score(new MultiDataSet(new INDArray[]{logits}, new INDArray[]{t.labels()}, null, new INDArray[]{t.mask()}));
        }
    }

    @Test
    void theScoreIsTheWeightTimesTheHandComputedMeanOverAllPixelsOfTheAlignCornersUpsampledLogits() {
        ComputationGraph net = upsampleThenLoss();
        INDArray logits = Nd4j.create(LOGITS, new long[]{1, 2, 2, 2}, DataType.FLOAT);
        assertEquals(WEIGHT * MEAN_OVER_ALL_PIXELS, score(net, logits, new int[][]{LABELS}), 1e-6);
        // a second image whose every pixel is ignored adds nine zeros: the mean over 18 pixels halves
        int[] ignored = new int[9];
        java.util.Arrays.fill(ignored, PixelCrossEntropy.IGNORE);
        INDArray two = Nd4j.concat(0, logits, logits);
        assertEquals(WEIGHT * MEAN_OVER_ALL_PIXELS / 2, score(net, two, new int[][]{LABELS, ignored}), 1e-6);
        net.close();
    }

    @Test
    void theGradientOfEachUpsampledLogitIsTheWeightedSoftmaxMinusOneHotOverAllPixelsAndZeroWhereIgnored() {
        ComputationGraph net = upsampleThenLoss();
        INDArray logits = Nd4j.create(LOGITS, new long[]{1, 2, 2, 2}, DataType.FLOAT);
        INDArray up = net.feedForward(new INDArray[]{logits}, false, false).get("up");
        org.deeplearning4j.nn.layers.convolution.CnnLossLayer loss =
                (org.deeplearning4j.nn.layers.convolution.CnnLossLayer) net.getLayer("loss");
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(new int[][]{LABELS}, 2, 3, 3)) {
            loss.setInput(up, ws);
            loss.setLabels(t.labels());
            loss.setMaskArray(t.mask());
            INDArray grad = loss.backpropGradient(null, ws).getSecond();
            for (int p = 0; p < 9; p++) {
                double a = up.getDouble(0, 0, p / 3, p % 3);
                double b = up.getDouble(0, 1, p / 3, p % 3);
                double p0 = 1 / (1 + Math.exp(b - a));
                for (int c = 0; c < 2; c++) {
                    double expected = LABELS[p] == PixelCrossEntropy.IGNORE ? 0
                            : WEIGHT * ((c == 0 ? p0 : 1 - p0) - (LABELS[p] == c ? 1 : 0)) / 9;
                    assertEquals(expected, grad.getDouble(0, c, p / 3, p % 3), 1e-6, "pixel " + p + ", class " + c);
                }
            }
        }
        net.close();
    }

    @Test
    void aClassOutsideTheManifestsCountIsRefusedWithThePixelNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PixelCrossEntropy.targets(new int[][]{{0, 1, 19, 0}}, 19, 2, 2));
        assertTrue(e.getMessage().startsWith("label image 0, pixel 2: class 19 is not in [0, 19)"), e.getMessage());
    }

    @Test
    void prepTheLossAndTheConfusionMatrixIgnoreTheSameLabel() {
        assertEquals(CityscapesLabels.IGNORE, PixelCrossEntropy.IGNORE);
        assertEquals(CityscapesLabels.IGNORE, ConfusionMatrix.IGNORE);
    }
}
