package org.infopro.spark.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java batch-norm passes equal the same quantities computed by ND4J in double, with one thread and with the
 * batch split over three (an odd batch of 5, so the parts differ in size).
 */
class ChannelKernelsTest {
    private static final int N = 5;
    private static final int C = 3;
    private static final int H = 6;
    private static final int W = 7;

    private final int threadsBefore = Nd4j.getEnvironment().maxThreads();

    @AfterEach
    void restoreThreads() {
        Nd4j.getEnvironment().setMaxThreads(threadsBefore);
    }

    private static INDArray tensor(long seed, double offset) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, N, C, H, W).subi(0.5).muli(3).addi(offset);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void momentsEqualTheMeanAndBiasedVarianceEvenFarFromZero(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        for (double offset : new double[]{0, 1000}) {
            INDArray x = tensor(1, offset);
            INDArray xd = x.castTo(DataType.DOUBLE);
            double[] mean = new double[C];
            double[] var = new double[C];
            ChannelKernels.moments(x, mean, var);
            assertArrayEquals(xd.mean(0, 2, 3).toDoubleVector(), mean, 1e-6 * (1 + offset), "mean, offset " + offset);
            // float inputs 1000 ± 1.5 carry about 6e-5 of rounding each; the variance is about 0.75
            assertArrayEquals(xd.var(false, 0, 2, 3).toDoubleVector(), var, 1e-5, "variance, offset " + offset);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void scaleShiftWritesScaleTimesInputPlusShiftPerChannel(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        INDArray x = tensor(2, 0);
        float[] scale = {2f, -0.5f, 0f};
        float[] shift = {1f, 0.25f, -3f};
        INDArray expected = x.dup();
        for (int ch = 0; ch < C; ch++) {
            INDArray plane = expected.get(NDArrayIndex.all(),
                    NDArrayIndex.point(ch));
            plane.muli(scale[ch]).addi(shift[ch]);
        }
        ChannelKernels.scaleShift(x, scale, shift, x);
        assertArrayEquals(expected.data().asFloat(), x.data().asFloat(), 1e-6f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void sumsAndCombineGiveTheBackwardPassTerms(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        INDArray g = tensor(3, 0);
        INDArray z = tensor(4, 0.5);
        double[] sumG = new double[C];
        double[] sumGz = new double[C];
        ChannelKernels.sums(g, z, sumG, sumGz);
        INDArray gd = g.castTo(DataType.DOUBLE);
        INDArray zd = z.castTo(DataType.DOUBLE);
        assertArrayEquals(gd.sum(0, 2, 3).toDoubleVector(), sumG, 1e-4);
        assertArrayEquals(gd.mul(zd).sum(0, 2, 3).toDoubleVector(), sumGz, 1e-4);

        float[] a = {1.5f, -2f, 0.5f};
        float[] b = {0.25f, 1f, -1f};
        float[] c = {0f, 0.125f, 2f};
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, N, C, H, W);
        ChannelKernels.combine(g, z, a, b, c, out);
        for (int ch = 0; ch < C; ch++) {
            var all = NDArrayIndex.all();
            var point = NDArrayIndex.point(ch);
            INDArray expected = gd.get(all, point).mul(a[ch]).addi(zd.get(all, point).mul(b[ch])).addi(c[ch]);
            assertEquals(0, expected.castTo(DataType.FLOAT).sub(out.get(all, point)).amaxNumber().doubleValue(), 1e-5,
                    "channel " + ch);
        }
    }

    @Test
    void onlyDenseFloatNchwTensorsWithRowsOfSixteenOrMoreAreSupported() {
        assertTrue(ChannelKernels.supports(Nd4j.zeros(DataType.FLOAT, 2, 3, 4, 4)));
        assertFalse(ChannelKernels.supports(Nd4j.zeros(DataType.DOUBLE, 2, 3, 4, 4)), "double");
        assertFalse(ChannelKernels.supports(Nd4j.zeros(DataType.FLOAT, 2, 3, 3, 5)), "rows of 15");
        assertFalse(ChannelKernels.supports(Nd4j.zeros(DataType.FLOAT, 2, 3, 4, 4).permute(0, 1, 3, 2)), "permuted");
        assertFalse(ChannelKernels.supports(Nd4j.zeros(DataType.FLOAT, 4, 3, 4, 4).get(
                NDArrayIndex.interval(1, 3))), "a view at an offset");
        assertFalse(ChannelKernels.supports(Nd4j.zeros(DataType.FLOAT, 2, 48)), "rank 2");
    }
}
