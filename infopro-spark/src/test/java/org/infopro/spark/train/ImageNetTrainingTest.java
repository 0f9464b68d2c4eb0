package org.infopro.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.data.rehearsal.MakeIlsvrcConfig;
import org.infopro.data.rehearsal.MakeIlsvrcJob;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.config.TrainConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ImageNet path end to end on real pixels: Fashion-MNIST written as an ILSVRC-2012 tree of 64 px JPEGs
 * (make-ilsvrc), sharded by prep-imagenet, then a reduced-width ResNet-50 (torchvision layout) trained on 32 px
 * random-resized crops in local Spark as InfoPro* K=2 and end to end, streaming its input. Top-1 and top-5 of the
 * network and of the auxiliary head reach result.json.
 */
class ImageNetTrainingTest {
    private static SparkSession spark;
    private static Path dataset;

    @BeforeAll
    static void prepare(@TempDir Path tmp) {
        spark = SparkSessions.local("ImageNetTrainingTest");
        Path idx = IdxFixtures.cachedFashionMnist();
        if (idx == null) {
            idx = tmp.resolve("generated-idx");
            IdxFixtures.writeDataset(idx, 320, 64, 10, true, 13);
            System.out.println("ImageNetTrainingTest: real Fashion-MNIST is not cached (submit/fetch-fashion-mnist.sh); "
                    + "using a generated IDX set");
        }
        Path tree = tmp.resolve("ilsvrc");
        MakeIlsvrcJob.run(MakeIlsvrcConfig.fromArgs(new String[]{"--input", idx.toString(), "--output", tree.toString(),
                "--size", "64", "--train-limit", "320", "--val-limit", "64", "--threads", "2"}));
        dataset = tmp.resolve("ds");
        assertEquals(Status.OK, ImagePrepJob.run(ImagePrepConfig.fromArgs(ImageDataset.IMAGENET, new String[]{"--input",
                tree.toString(), "--output", dataset.toString(), "--progress-seconds", "0"}), spark).status());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static JsonNode train(Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--dataset", dataset.toString(), "--out", out.toString(), "--arch", "resnet50",
                "--width", "0.125", "--crop", "32", "--resize", "36", "--batch-size", "32", "--epochs", "1", "--log-every", "0",
                "--prefetch", "2", "--input-threads", "2"));
        args.addAll(List.of(extra));
        TrainResult r = TrainJob.run(TrainConfig.fromArgs(args.toArray(String[]::new)), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        return Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT)));
    }

    private static void assertTopK(JsonNode top1, JsonNode top5, String what) {
        assertTrue(top1.isNumber() && top5.isNumber(), what + ": top-1 " + top1 + ", top-5 " + top5);
        double a = top1.asDouble(), b = top5.asDouble();
        assertTrue(a >= 0 && a <= 1 && b >= a && b <= 1, what + ": top-1 " + a + ", top-5 " + b);
    }

    @Test
    void aReducedResNet50TrainsAsInfoProStarK2AndEndToEndOnAnIlsvrcTree(@TempDir Path tmp) throws Exception {
        JsonNode k2 = train(tmp.resolve("k2"), "--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0");
        assertEquals("imagenet-resnet", k2.get("config").get("arch").asText());
        assertEquals(2, k2.get("config").get("modules").asInt());
        assertTrue(k2.get("config").get("network").asText().contains("0.125"), "results name the width: " + k2.get("config"));
        assertTopK(k2.get("test_accuracy"), k2.get("test_top5_accuracy"), "InfoPro* K=2 network");
        JsonNode aux = k2.get("last_epoch").get("validation").get("modules").get(0);
        assertTopK(aux.get("accuracy"), aux.get("top5_accuracy"), "module 1's auxiliary classifier");
        JsonNode input = k2.get("input");
        assertEquals(320, input.get("images").asLong(), "every training image streamed once: " + input);
        assertTrue(input.get("max_decoded_images").asInt() <= input.get("decoded_images_bound").asInt(), input.toString());
        assertTrue(input.get("images_per_second_per_thread").asDouble() > 0, input.toString());

        JsonNode e2e = train(tmp.resolve("e2e"), "--splits", "none", "--loss", "e2e");
        assertEquals(1, e2e.get("config").get("modules").asInt());
        assertTopK(e2e.get("test_accuracy"), e2e.get("test_top5_accuracy"), "end-to-end network");
    }

    @Test
    void theSequentialAndStaggeredSchedulesTrainTheImageNetFamily(@TempDir Path tmp) throws Exception {
        JsonNode seq = train(tmp.resolve("seq"), "--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0",
                "--schedule", "sequential", "--spill", "recompute");
        assertTopK(seq.get("test_accuracy"), seq.get("test_top5_accuracy"), "sequential, recomputed");
        JsonNode stag = train(tmp.resolve("stag"), "--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0",
                "--schedule", "staggered", "--wave-fraction", "0.5");
        assertTopK(stag.get("test_accuracy"), stag.get("test_top5_accuracy"), "staggered");
    }
}
