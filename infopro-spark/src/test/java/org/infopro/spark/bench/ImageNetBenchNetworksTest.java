package org.infopro.spark.bench;

import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.module.ModuleStack;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageNetBenchNetworksTest {

    @Test
    void theImageNetMemoryCasesAreTheNetworksTrainBuildsWithTheShippedLambda() {
        ModuleStack.Setup k2 = BenchNetworks.imagenet("resnet101", 0.0625, 224, "--loss", "infopro-softmax", "--splits",
                "infopro*-imagenet:k2", "--lambda", "imagenet/infopro*");
        assertEquals(2, k2.modules());
        LambdaSchedule.Weights w = k2.plans().get(0).weights();
        assertEquals(5.0, w.reconstruction(), 1e-12, "conf/infopro-lambdas.json imagenet/infopro* ResNet-101 K=2");
        assertEquals(0.75, w.task(), 1e-12);
        assertEquals(28, k2.plans().get(0).outputShape()[1], "module 1 = stem + layer1 + layer2[0]: 224 / 8");
        ModuleStack.Setup e2e = BenchNetworks.imagenet("resnet101", 0.0625, 224, "--loss", "e2e", "--splits", "none");
        assertEquals(1, e2e.modules());
        assertNull(e2e.plans().get(0).weights(), "the only module trains on the network's own cross-entropy");
    }

    @Test
    void theInputBenchOptionsParseAndRefuseBadWidths() {
        InputBenchConfig c = InputBenchConfig.fromArgs(new String[]{"--dataset", "d"});
        assertEquals(List.of(1, 2), c.threads());
        assertEquals(List.of(1.0, 0.25), c.widths());
        assertEquals(224, c.crop());
        assertThrows(RuntimeException.class, () -> InputBenchConfig.fromArgs(new String[]{"--dataset", "d", "--widths", "0"}));
        ImageNetMemoryBenchConfig m = ImageNetMemoryBenchConfig.fromArgs(new String[]{});
        assertEquals("resnet101", m.arch());
        assertEquals(16, m.batch());
    }
}
