package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlidingWindowTest {
    private static final Hyper HYPER = new Hyper(9, 0.01, 0.9, 5e-4);

    private static ComputationGraph net(int h, int w) {
        return new DeepLabV3NetworkFactory(new DeepLabV3Spec(18, 8, h, w, 3, 4), HYPER).endToEnd();
    }

    @Test
    void aWindowCoveringTheImageGivesTheWholeImageLogits() {
        ComputationGraph net = net(32, 48);
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 48);
        INDArray whole = net.feedForward(new INDArray[]{image}, false, false).get("decode_up");
        INDArray slid = SlidingWindow.logits(net, "decode_up", image, new int[]{32, 48}, new int[]{16, 16});
        assertArrayEquals(whole.shape(), slid.shape());
        assertEquals(0, whole.sub(slid).amaxNumber().doubleValue(), 0.0);
        net.close();
    }

    @Test
    void windowsThatTileTheImageGiveEachWindowsOwnLogits() {
        ComputationGraph net = net(32, 32);
        INDArray image = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 96);
        INDArray tiled = SlidingWindow.logits(net, "decode_up", image, new int[]{32, 32}, new int[]{32, 32});
        assertArrayEquals(new long[]{2, 4, 64, 96}, tiled.shape());
        INDArray tile = net.feedForward(new INDArray[]{image.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(32, 64),
                NDArrayIndex.interval(64, 96)).dup()}, false, false).get("decode_up");
        INDArray fromSlide = tiled.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(32, 64), NDArrayIndex.interval(64, 96));
        assertEquals(0, tile.sub(fromSlide).amaxNumber().doubleValue(), 1e-6);
        // stride 24 on 64 rows: windows at 0, 24 and 32 (the last moved back to end at the edge), so rows 0..23 come from
        // the first window alone, as when tiling
        INDArray overlapped = SlidingWindow.logits(net, "decode_up", image, new int[]{32, 32}, new int[]{24, 32});
        assertArrayEquals(new int[]{0, 24, 32}, SlidingWindow.starts(64, 32, 24));
        assertArrayEquals(new int[]{0, 24, 48, 64}, SlidingWindow.starts(96, 32, 24));
        INDArray top = overlapped.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 24), NDArrayIndex.all());
        assertEquals(0, top.sub(tiled.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 24), NDArrayIndex.all()))
                .amaxNumber().doubleValue(), 1e-6, "rows only the first window covers");
        net.close();
    }

    @Test
    void overlappingWindowsAverageTheirLogits() {
        ComputationGraph net = net(32, 32);
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 48);
        INDArray slid = SlidingWindow.logits(net, "decode_up", image, new int[]{32, 32}, new int[]{32, 16});
        INDArray left = net.feedForward(new INDArray[]{image.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 32)).dup()}, false, false).get("decode_up");
        INDArray right = net.feedForward(new INDArray[]{image.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(16, 48)).dup()}, false, false).get("decode_up");
        // column 20 is in both windows: column 20 of the left one and column 4 of the right one
        double expected = (left.getDouble(0, 1, 10, 20) + right.getDouble(0, 1, 10, 4)) / 2;
        assertEquals(expected, slid.getDouble(0, 1, 10, 20), 1e-5);
        assertEquals(left.getDouble(0, 1, 10, 3), slid.getDouble(0, 1, 10, 3), 1e-6, "column 3 only in the left window");
        assertTrue(Math.abs(left.getDouble(0, 1, 10, 20) - right.getDouble(0, 1, 10, 4)) > 1e-6, "the two windows differ there");
        net.close();
    }
}
