package org.infopro.spark.runtime;

import org.apache.spark.sql.SparkSession;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NativeRuntime#layerHelpers()} reports the helpers DL4J really gave its layers (here, on CPU with
 * helpers enabled, the oneDNN ones), gpu-check reports them for every task, and the cuDNN verdict needs a
 * cuDNN build of libnd4j and our helper on all three layer kinds.
 */
class LayerHelpersReportTest {

    @Test
    void layerHelpersNamesTheHelpersDl4jGaveEachLayer() {
        NativeRuntime.LayerHelpers h = NativeRuntime.layerHelpers();
        assertEquals("CPU", h.backend());
        assertEquals("MKLDNNConvHelper", h.convolution());
        assertEquals("MKLDNNBatchNormHelper", h.batchNorm());
        assertEquals("MKLDNNSubsamplingHelper", h.subsampling());
        assertFalse(h.builtWithCudnn(), h.describe());
        assertFalse(h.describe().contains("cuDNN active"), h.describe());
    }

    @Test
    void cudnnIsActiveOnlyWithACudnnBuildAndOurHelperOnEveryLayerKind() {
        String c = "CudnnConvolutionHelper";
        String b = "CudnnBatchNormalizationHelper";
        String p = "CudnnSubsamplingHelper";
        assertTrue(new NativeRuntime.LayerHelpers("CUDA", true, c, b, p).describe().endsWith("-> cuDNN active"));
        assertFalse(new NativeRuntime.LayerHelpers("CUDA", false, c, b, p).cudnnActive(), "plain CUDA build");
        assertFalse(new NativeRuntime.LayerHelpers("CUDA", true, "built-in", b, p).cudnnActive(), "convolution not found");
        assertTrue(new NativeRuntime.LayerHelpers("CUDA", true, c, "built-in", p).describe().endsWith("-> cuDNN NOT active"));
    }

    @Test
    void gpuCheckReportsEachTasksLayerHelpers() {
        SparkSession spark = SparkSessions.local("LayerHelpersReportTest");
        try {
            GpuCheckJob.Result r = GpuCheckJob.run(new GpuCheckConfig(2), spark);
            assertEquals(2, r.layerHelpers().size(), r.toString());
            assertEquals(List.of("MKLDNNConvHelper", "MKLDNNConvHelper"),
                    r.layerHelpers().stream().map(NativeRuntime.LayerHelpers::convolution).toList());
        } finally {
            spark.stop();
        }
    }
}
