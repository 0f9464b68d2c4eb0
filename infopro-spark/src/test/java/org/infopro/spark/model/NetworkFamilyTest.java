package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.SyntheticBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The family seam: families are found by name, and each one's trunk builds modules that train and validate. */
class NetworkFamilyTest {

    @Test
    void familiesAreFoundByNameIncludingOneAddedOnlyInTheTests() {
        assertTrue(NetworkFamily.all().keySet().containsAll(List.of(CifarResNetFamily.NAME, ImageNetResNetFamily.NAME,
                DeepLabV3Family.NAME, PlainConvFamily.NAME)), NetworkFamily.all().keySet().toString());
        assertEquals(ImageNetResNetFamily.class, NetworkFamily.named("imagenet-resnet").getClass());
        ConfigException e = assertThrows(ConfigException.class, () -> NetworkFamily.named("vgg16"));
        assertTrue(e.getMessage().contains("'vgg16'") && e.getMessage().contains("cifar-resnet, deeplabv3, imagenet-resnet"), e.getMessage());
    }

    @Test
    void eachFamilyChecksItsOwnDepthAndWidth() {
        assertThrows(ConfigException.class, () -> NetworkFamily.named(CifarResNetFamily.NAME).check(21, 1));
        assertThrows(ConfigException.class, () -> NetworkFamily.named(CifarResNetFamily.NAME).check(20, 0.5));
        assertThrows(ConfigException.class, () -> NetworkFamily.named(ImageNetResNetFamily.NAME).check(20, 1));
        ImageNetResNetSpec reduced = (ImageNetResNetSpec) NetworkFamily.named(ImageNetResNetFamily.NAME)
                .trunk(50, 0.125, new int[]{3, 32, 32}, 10);
        assertEquals(8, reduced.base(), "width 0.125 of the base 64");
    }

    @Test
    void greedyAndEndToEndBaselinesBuildAndTrainWithTheImageNetFamily() {
        // the command line's configs at a reduced width and input; the modules are built from them as TrainJob does
        for (String[] args : List.of(new String[]{"--loss", "greedy"}, new String[]{"--loss", "e2e", "--splits", "none"})) {
            String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("--dataset", "d", "--out", "o", "--arch", "resnet50",
                    "--width", "0.0625", "--crop", "32"), java.util.Arrays.stream(args)).toArray(String[]::new);
            TrainConfig cfg = TrainConfig.fromArgs(all);
            Trunk trunk = NetworkFamily.named(cfg.arch()).trunk(cfg.depth(), cfg.width(), new int[]{3, 32, 32}, 10);
            List<ModulePlan> plans = ModulePlan.plan(trunk, cfg.splits(), cfg.effectiveLambda());
            assertEquals(cfg.loss() == LossMode.GREEDY ? 2 : 1, plans.size(), String.join(" ", args));
            ModuleStack.Setup setup = new ModuleStack.Setup(trunk, plans, new Hyper(1, cfg.learningRate(), cfg.momentum(),
                    cfg.weightDecay()), cfg.head());
            try (ModuleStack stack = setup.build(); ImageBatch b = SyntheticBatch.of(4, 3, 32, 32, 10, 5)) {
                float[] before = stack.modules().get(0).network().params().toFloatVector();
                stack.trainStep(b, new long[plans.size()]);
                assertFalse(java.util.Arrays.equals(before, stack.modules().get(0).network().params().toFloatVector()),
                        "module 1 learned: " + String.join(" ", args));
                List<HeadMetrics> m = stack.evaluate(b);
                assertEquals(4, m.get(m.size() - 1).images());
            }
        }
    }

    @Test
    void anImageNetInputNotDivisibleBy32IsRefusedWithTheFix() {
        ConfigException e = assertThrows(ConfigException.class, () -> NetworkFamily.named(ImageNetResNetFamily.NAME)
                .trunk(50, 0.125, new int[]{3, 28, 28}, 10));
        assertTrue(e.getMessage().contains("28x28") && e.getMessage().contains("divisible by 32")
                && e.getMessage().contains("--crop 32"), e.getMessage());
    }

    @Test
    void everyFamilysModulesTrainAStepAndValidateThroughTheSameStack() {
        for (String name : List.of(CifarResNetFamily.NAME, ImageNetResNetFamily.NAME, PlainConvFamily.NAME)) {
            NetworkFamily f = NetworkFamily.named(name);
            Trunk trunk = f.trunk(f.defaultDepth(), name.equals(ImageNetResNetFamily.NAME) ? 0.125 : 1, new int[]{3, 32, 32}, 10);
            assertEquals(name, trunk.family());
            List<ModulePlan> plans = ModulePlan.plan(trunk, SplitPoint.parseList("1,0"), new LambdaSchedule(1, 1, 0, 0));
            ModuleStack.Setup setup = new ModuleStack.Setup(trunk, plans, new Hyper(1, 0.05, 0.9, 1e-4),
                    HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2));
            try (ModuleStack stack = setup.build(); ImageBatch b = SyntheticBatch.of(8, 3, 32, 32, 10, 5)) {
                stack.trainStep(b, new long[2]);
                List<HeadMetrics> m = stack.evaluate(b);
                assertEquals(8, m.get(1).images(), name);
                assertTrue(m.get(0).reconstruction() != null && Double.isFinite(m.get(0).reconstruction()), name + " decoder BCE");
                assertTrue(m.get(1).accuracy() >= 0 && m.get(1).accuracy() <= 1, name);
                assertTrue(trunk.flops(0, trunk.units() - 1) > trunk.flops(0, 0), name + " FLOPs grow with the units");
            }
        }
    }
}
