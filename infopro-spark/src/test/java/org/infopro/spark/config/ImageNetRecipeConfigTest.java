package org.infopro.spark.config;

import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.InputTransform;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.ImageNetResNetFamily;
import org.infopro.spark.model.SplitPoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --arch resnet50|resnet101|resnet152} and the ImageNet family's recipe, through the command line
 * ({@link TrainConfig#fromArgs}) and the real families found by ServiceLoader.
 */
class ImageNetRecipeConfigTest {
    private static TrainConfig parse(String... extra) {
        String[] all = new String[extra.length + 4];
        all[0] = "--dataset";
        all[1] = "d";
        all[2] = "--out";
        all[3] = "o";
        System.arraycopy(extra, 0, all, 4, extra.length);
        return TrainConfig.fromArgs(all);
    }

    private static String refused(String... extra) {
        return assertThrows(ConfigException.class, () -> parse(extra)).getMessage();
    }

    @Test
    void resnet50_101_152AreTheImageNetFamilyAtThatDepth() {
        for (int depth : new int[]{50, 101, 152}) {
            TrainConfig c = parse("--arch", "resnet" + depth, "--loss", "greedy");
            assertEquals(ImageNetResNetFamily.NAME, c.arch());
            assertEquals(depth, c.depth());
            assertEquals(c, parse("--arch", "imagenet-resnet", "--depth", String.valueOf(depth), "--loss", "greedy"),
                    "the alias is the family at that depth, recipe included");
        }
        assertEquals(50, parse("--arch", "imagenet-resnet", "--loss", "greedy").depth(), "the family's default depth");
        assertEquals(101, parse("--arch", "resnet101", "--depth", "101").depth(), "an agreeing --depth is fine");
        assertEquals(ImageNetResNetFamily.NAME, TrainConfig.builder("d", "o").arch("resnet152").build().arch(), "the builder too");
    }

    @Test
    void aDepthContradictingTheArchIsRefusedNamingBoth() {
        assertEquals("train: --arch resnet101 means --depth 101, but --depth 50 was given. Drop --depth, or use --arch "
                + "imagenet-resnet --depth 50.", refused("--arch", "resnet101", "--depth", "50"));
        assertTrue(refused("--arch", "resnet34").contains("resnet50, resnet101, resnet152"), "the error lists the aliases");
    }

    @Test
    void helpListsTheNamedDepthsAndTheImageNetRecipe() {
        String help = TrainConfig.SPEC.help();
        assertTrue(help.contains("resnet50, resnet101, resnet152 = imagenet-resnet at that depth"), help);
        assertTrue(help.contains("--lr 0.4 × global batch/1024") && help.contains("--augment random-resized-crop")
                && help.contains("--resize 256") && help.contains("--splits infopro*-imagenet:k2"), help);
    }

    @Test
    void theImageNetRecipeFillsEveryOptionNotGiven() {
        TrainConfig c = parse("--arch", "resnet101");
        assertEquals(0.4 * 128 / 1024, c.learningRate(), 1e-12, "0.4 for 1024 images, scaled to the default batch of 128");
        assertEquals(0.9, c.momentum());
        assertEquals(1e-4, c.weightDecay());
        assertEquals(LrSchedule.COSINE_EPOCH, c.lrSchedule());
        assertEquals(0.0, c.warmupEpochs());
        assertEquals(InputTransform.Augment.RANDOM_RESIZED_CROP, c.transform().augment());
        assertEquals(224, c.transform().crop());
        assertEquals(256, c.transform().resize());
        assertEquals(List.of(new SplitPoint(2, 0)), c.splits(), "the reference's InfoPro* K=2 split of ResNet-101");
        assertEquals(new LambdaSchedule(5, 0.75, 0, 0), c.lambda(), "the reference's ImageNet λ of ResNet-101");
        assertEquals(new LambdaSchedule(5, 1, 0, 0), parse("--arch", "resnet152").lambda(), "and of ResNet-152");
        assertEquals(List.of(new SplitPoint(2, 5)), parse("--arch", "resnet152").splits());
    }

    @Test
    void theRecipeLearningRateScalesWithTheGlobalBatchOfBatchSizeTimesReplicas() {
        assertEquals(0.4, parse("--arch", "resnet101", "--batch-size", "256", "--replicas", "4").learningRate(), 1e-12);
        assertEquals(0.8, parse("--arch", "resnet101", "--batch-size", "1024", "--replicas", "2").learningRate(), 1e-12);
        assertEquals(0.1, parse("--arch", "resnet101", "--batch-size", "1024", "--lr", "0.1").learningRate(), "a given --lr is kept");
    }

    @Test
    void givenOptionsOverrideTheRecipe() {
        TrainConfig c = parse("--arch", "resnet101", "--augment", "crop-flip", "--crop", "192", "--resize", "0", "--lr-schedule",
                "cosine-step", "--momentum", "0.5", "--weight-decay", "5e-4", "--splits", "3,0", "--lambda", "1,1,0,0");
        assertEquals(InputTransform.Augment.CROP_FLIP, c.transform().augment());
        assertEquals(192, c.transform().crop());
        assertEquals(0, c.transform().resize());
        assertEquals(LrSchedule.COSINE_STEP, c.lrSchedule());
        assertEquals(0.5, c.momentum());
        assertEquals(5e-4, c.weightDecay());
        assertEquals(List.of(new SplitPoint(3, 0)), c.splits());
        assertEquals(new LambdaSchedule(1, 1, 0, 0), c.lambda());
    }

    @Test
    void cifarKeepsTodaysDefaultsExactly() {
        TrainConfig c = parse();
        assertEquals("cifar-resnet", c.arch());
        assertEquals(20, c.depth());
        assertEquals(0.1, c.learningRate());
        assertEquals(0.9, c.momentum());
        assertEquals(1e-4, c.weightDecay());
        assertEquals(new InputTransform(0, 0, InputTransform.Augment.NONE, 0, 0), c.transform());
        assertEquals(List.of(new SplitPoint(2, 1)), c.splits());
        assertEquals(new LambdaSchedule(5, 1, 0, 0), c.lambda());
        assertEquals(0.1, parse("--batch-size", "1024", "--replicas", "4").learningRate(), "no scaling without a recipe");
        assertEquals(c, TrainConfig.builder("d", "o").build());
    }

    @Test
    void resnet50HasNoShippedImageNetLambdaSoTheInfoProLossesNeedOne() {
        String e = refused("--arch", "resnet50");
        assertTrue(e.contains("--lambda is not given") && e.contains("ResNet-50") && e.contains("Give --lambda"), e);
        assertEquals(new LambdaSchedule(5, 1, 0, 0), parse("--arch", "resnet50", "--lambda", "5,1,0,0").lambda());
        assertEquals(LossMode.GREEDY, parse("--arch", "resnet50", "--loss", "greedy").loss(), "greedy needs no λ");
        assertEquals(1, parse("--arch", "resnet50", "--loss", "e2e", "--splits", "none").modules(), "nor does E2E");
        assertTrue(refused("--arch", "resnet101", "--splits", "1,2;2,0").contains("K=3"), "the shipped λ are K=2 only");
    }

    @Test
    void theImageNetFamilyNeedsCropsDivisibleBy32() {
        String e = refused("--arch", "resnet101", "--crop", "200");
        assertTrue(e.contains("--crop 200") && e.contains("divisible by 32") && e.contains("--crop 192 or --crop 224"), e);
        assertEquals(160, parse("--arch", "resnet101", "--crop", "160").transform().crop());
        assertEquals(28, parse("--augment", "crop-flip", "--crop", "28").transform().crop(), "the CIFAR family takes any size");
    }

    @Test
    void contrastiveInfoProIsRefusedForTheImageNetFamilyAtValidation() {
        String e = refused("--arch", "resnet101", "--loss", "infopro-contrast");
        assertTrue(e.startsWith("train: --loss infopro-contrast is not available for --arch imagenet-resnet")
                && e.contains("no contrastive ImageNet variant") && e.contains("use --loss infopro-softmax")
                && e.contains("greedy") && e.contains("e2e"), e);
        assertThrows(ConfigException.class, () -> TrainConfig.builder("d", "o").arch("resnet50").loss(LossMode.INFOPRO_CONTRAST)
                .lambda(new LambdaSchedule(5, 1, 0, 0)).build(), "code is checked the same way");
        assertEquals(LossMode.INFOPRO_CONTRAST, parse("--loss", "infopro-contrast").loss(), "the CIFAR family keeps it");
    }

    @Test
    void theResolvedRecipeAndTheWidthAreInTheRecordedConfig() {
        Map<String, Object> m = parse("--arch", "resnet101", "--batch-size", "64", "--replicas", "2").asMap();
        assertEquals("ResNet-101", m.get("network"));
        assertEquals(0.4 * 128 / 1024, (double) m.get("lr"), 1e-12);
        assertEquals(128L, m.get("global_batch"));
        assertEquals("cosine per epoch", m.get("lr_schedule"));
        assertEquals(new InputTransform(0, 0, InputTransform.Augment.RANDOM_RESIZED_CROP, 224, 256), m.get("transform"));
        assertEquals(List.of(5.0, 0.75, 0.0, 0.0), m.get("lambda"));
        assertEquals("[2,0]", m.get("splits"));
        assertEquals("the InfoPro reference's ImageNet recipe", m.get("recipe"));
        Map<String, Object> reduced = parse("--arch", "resnet50", "--width", "0.25", "--loss", "greedy").asMap();
        assertEquals("ResNet-50 (width 0.25)", reduced.get("network"));
        assertEquals("ResNet-20", parse().asMap().get("network"));
    }
}
