package org.infopro.spark.module;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.InfoProNetworkFactory;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class InferenceExportTest {

    @Test
    void exportedNetworkPredictsExactlyWhatTheChainedModulesPredict(@TempDir Path tmp) {
        ResNetSpec spec = new ResNetSpec(8, 28, 28, 1, 10);
        List<ModulePlan> plans = ModulePlan.plan(spec, SplitPoint.parseList("1,0;2,0"), new LambdaSchedule(5, 1, 1, 1));
        ModuleStack.Setup setup = new ModuleStack.Setup(spec, plans, new Hyper(1, 0.1, 0.9, 1e-4),
                HeadSpec.of(LossMode.INFOPRO_CONTRAST, AuxNet.C1F2));
        ModuleStack stack = setup.build();
        try (ImageBatch b = SyntheticBatch.of(16, 1, 28, 28, 10, 9)) {
            long[] nanos = new long[3];
            for (int i = 0; i < 3; i++) {
                stack.trainStep(b, nanos);
            }
            // the modules chained by hand, in inference mode
            INDArray h = b.features();
            for (int k = 0; k < 2; k++) {
                ModulePlan p = plans.get(k);
                h = stack.module(k).network().output(List.of(InfoProNetworkFactory.trunkOutput(p)), false,
                        new INDArray[]{h}, null)[0];
            }
            INDArray chained = stack.module(2).network().output(false, h)[0];

            ComputationGraph whole = InferenceExport.export(stack, setup);
            assertEquals(List.of(InfoProNetworkFactory.CLASSIFIER), whole.getConfiguration().getNetworkOutputs());
            assertArrayEquals(chained.toFloatMatrix()[3], whole.output(false, b.features())[0].toFloatMatrix()[3], 1e-5f);

            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(tmp.resolve("model.zip").toUri());
            InferenceExport.write(whole, file, new Configuration());
            ComputationGraph back = InferenceExport.read(file, new Configuration());
            assertArrayEquals(chained.toFloatMatrix()[7], back.output(false, b.features())[0].toFloatMatrix()[7], 1e-5f);
            assertEquals(whole.numParams(), back.numParams());
        }
    }
}
