package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Sliding-window inference of a segmentation network at full resolution, as mmsegmentation's {@code slide_inference}:
 * windows of the network's input size every {@code stride} pixels, the last one of each row and column moved back
 * to end at the image's edge, and every pixel's logits averaged over the windows that cover it. The network runs at
 * its own input size; the image may be any size at least the window.
 */
public final class SlidingWindow {
    private SlidingWindow() {
    }

    /**
     * The averaged logits {@code [N, classes, H, W]} of {@code images} {@code [N, C, H, W]}, from the activations of
     * {@code logits} (a layer whose output has the window's size) of {@code net} over windows of
     * {@code window[0]}×{@code window[1]} every {@code stride[0]}, {@code stride[1]} pixels.
     */
    public static INDArray logits(ComputationGraph net, String logits, INDArray images, int[] window, int[] stride) {
        long n = images.size(0);
        int h = (int) images.size(2);
        int w = (int) images.size(3);
        if (h < window[0] || w < window[1] || stride[0] < 1 || stride[1] < 1) {
            throw new IllegalArgumentException("image " + h + "x" + w + " against window " + window[0] + "x" + window[1] + " every "
                    + stride[0] + "x" + stride[1] + ": the window must fit in the image and the stride be at least 1");
        }
        INDArray sum = null;
        INDArray count = Nd4j.zeros(DataType.FLOAT, 1, 1, h, w);
        for (int y : starts(h, window[0], stride[0])) {
            for (int x : starts(w, window[1], stride[1])) {
                INDArray crop = images.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y, y + window[0]),
                        NDArrayIndex.interval(x, x + window[1])).dup();
                INDArray out = net.feedForward(new INDArray[]{crop}, false, false).get(logits);
                if (sum == null) {
                    sum = Nd4j.zeros(DataType.FLOAT, n, out.size(1), h, w);
                }
                sum.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y, y + window[0]),
                        NDArrayIndex.interval(x, x + window[1])).addi(out);
                count.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y, y + window[0]),
                        NDArrayIndex.interval(x, x + window[1])).addi(1);
            }
        }
        return sum.divi(count.broadcast(sum.shape()));
    }

    /** Window starts along a side: every {@code stride}, the last moved back to end at the edge (mmsegmentation's grids). */
    static int[] starts(int size, int window, int stride) {
        int grids = Math.max(size - window + stride - 1, 0) / stride + 1;
        int[] s = new int[grids];
        for (int i = 0; i < grids; i++) {
            s[i] = Math.max(Math.min(i * stride + window, size) - window, 0);
        }
        return s;
    }
}
