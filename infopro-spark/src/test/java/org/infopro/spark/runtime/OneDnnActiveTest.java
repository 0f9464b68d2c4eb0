package org.infopro.spark.runtime;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.ChannelBatchNormHelper;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.InfoProNetworkFactory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J 1.0.0-M2.1 silently runs convolution and batch norm on its slow built-in path unless the oneDNN
 * binary, the helper flag and the {@code Nd4jCpu} shim are all in place. This proves all three are.
 */
class OneDnnActiveTest {

    @Test
    void runtimeReportsOneDnnActive() {
        NativeRuntime.OneDnn o = NativeRuntime.oneDnn();
        assertTrue(o.builtWithOneDnn(), "libnd4j was not built with oneDNN: " + o.describe());
        assertTrue(o.helpersEnabled(), "-D" + NativeRuntime.HELPERS_PROPERTY + "=false missing: " + o.describe());
        assertTrue(o.dl4jCheckPasses(), "DL4J's oneDNN check fails (Nd4jCpu shim not found?): " + o.describe());
    }

    @Test
    void convolutionLayersUseOneDnnAndBatchNormLayersOurOneDnnBackedHelper() {
        ResNetSpec spec = new ResNetSpec(8, 28, 28, 1, 10);
        ModulePlan plan = ModulePlan.plan(spec, SplitPoint.parseList("2,0"), new LambdaSchedule(1, 1, 0, 0)).get(0);
        ComputationGraph net = new InfoProNetworkFactory(spec, new Hyper(0, 0.1, 0.9, 1e-4),
                HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2)).build(plan);
        assertInstanceOf(MKLDNNConvHelper.class, net.getLayer("stem_conv").getHelper());
        // ChannelBatchNormHelper normalises with libnd4j's batchnorm op, which runs on oneDNN
        assertInstanceOf(ChannelBatchNormHelper.class, net.getLayer("stem_bnrelu").getHelper());
        assertInstanceOf(MKLDNNConvHelper.class, net.getLayer("aux_c_conv").getHelper());
    }
}
