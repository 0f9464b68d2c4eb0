package org.deeplearning4j.cuda;

import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.cuda.normalization.CudnnBatchNormalizationHelper;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J 1.0.0-M2.1 finds and constructs our helpers under the class names its layers ask for on the CUDA
 * backend (the layers' own constants), through its own class loading. {@code HelperUtils.createHelper}
 * picks its CUDA branch from the executioner's "backend" property, which the CPU backend rewrites to "CPU"
 * on every call, so that branch cannot run here; this test makes the two calls it makes instead. When
 * {@code DL4JClassLoading.loadClassByName} finds the class, M2.1 calls
 * {@code createNewInstance(name, helperType, new Object[]{arguments})}: the layer's arguments (its data
 * type) wrapped in one more array, so the helper needs an {@code Object...} constructor. When the class is
 * not found that way, it retries with the arguments unwrapped.
 */
class Dl4jFindsCudnnHelpersByItsNamesTest {

    static Stream<Arguments> helpers() {
        return Stream.of(
                Arguments.of(ConvolutionLayer.CUDA_CNN_HELPER_CLASS_NAME, ConvolutionHelper.class, CudnnConvolutionHelper.class),
                Arguments.of(BatchNormalization.BATCH_NORM_CUDNN_HELPER_CLASS_NAME, BatchNormalizationHelper.class,
                        CudnnBatchNormalizationHelper.class),
                Arguments.of(SubsamplingLayer.CUDNN_SUBSAMPLING_HELPER_CLASS_NAME, SubsamplingHelper.class, CudnnSubsamplingHelper.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("helpers")
    void dl4jLoadsAndConstructsOurHelperUnderTheNameItsLayerAsksFor(String name, Class<? extends LayerHelper> type,
                                                                    Class<?> ours) {
        assertNotNull(DL4JClassLoading.loadClassByName(name), name + " is not on the class path");

        Object wrapped = DL4JClassLoading.createNewInstance(name, type, new Object[]{new Object[]{DataType.FLOAT}});
        assertInstanceOf(ours, wrapped);
        assertInstanceOf(type, wrapped);
        assertTrue(((LayerHelper) wrapped).checkSupported(), name + " must not remove itself");

        assertInstanceOf(ours, DL4JClassLoading.createNewInstance(name, type, new Object[]{DataType.FLOAT}));
    }

    @Test
    void batchNormHelperStaysForOurSettingsAndLeavesFixedGammaBetaToDl4j() {
        CudnnBatchNormalizationHelper h = new CudnnBatchNormalizationHelper(DataType.FLOAT);
        assertTrue(h.checkSupported(1e-5, false));
        assertTrue(!h.checkSupported(1e-5, true));
    }
}
