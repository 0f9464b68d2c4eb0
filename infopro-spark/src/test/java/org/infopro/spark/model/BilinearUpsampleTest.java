package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BilinearUpsampleTest {

    private static BilinearUpsampleLayer layer(int oh, int ow) {
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().layer(new BilinearUpsample("up", oh, ow)).build();
        return new BilinearUpsampleLayer(conf, DataType.FLOAT);
    }

    @Test
    void alignCornersKeepsCornersAndInterpolatesBetweenThem() {
        // 2x2 -> 3x3 with align_corners=True: corners kept, edges are pair means, the centre is the mean of all four
        INDArray x = Nd4j.createFromArray(new float[]{1, 3, 5, 11}).reshape(1, 1, 2, 2);
        BilinearUpsampleLayer up = layer(3, 3);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = up.activate(false, LayerWorkspaceMgr.noWorkspaces());
        assertArrayEquals(new float[]{1, 2, 3, 3, 5, 7, 5, 8, 11}, y.reshape(9).toFloatVector(), 1e-6f);
    }

    @Test
    void matchesTorchAlignCornersValuesFor2To4() {
        // torch.nn.functional.interpolate(x, size=(4, 4), mode='bilinear', align_corners=True) samples input
        // position i/3 on both axes, so for x = [[0, 1], [2, 3]] the output is y[i][j] = j/3 + 2i/3.
        INDArray x = Nd4j.createFromArray(new float[]{0, 1, 2, 3}).reshape(1, 1, 2, 2);
        BilinearUpsampleLayer up = layer(4, 4);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        float[] y = up.activate(false, LayerWorkspaceMgr.noWorkspaces()).reshape(16).toFloatVector();
        float[] expected = new float[16];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                expected[i * 4 + j] = j / 3f + 2 * i / 3f;
            }
        }
        assertArrayEquals(expected, y, 1e-5f);
    }

    @Test
    void backwardIsTheExactAdjointOfForward() {
        // <f(x), g> = <x, f*(g)> for random x and g proves the backward pass is the transpose of the forward map
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 7).castTo(DataType.FLOAT);
        INDArray g = Nd4j.rand(DataType.DOUBLE, 2, 3, 11, 13).castTo(DataType.FLOAT);
        BilinearUpsampleLayer up = layer(11, 13);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = up.activate(true, LayerWorkspaceMgr.noWorkspaces());
        INDArray dx = up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        assertArrayEquals(x.shape(), dx.shape());
        double lhs = y.mul(g).sumNumber().doubleValue();
        double rhs = x.mul(dx).sumNumber().doubleValue();
        assertEquals(lhs, rhs, 1e-3 * Math.abs(lhs));
    }
}
