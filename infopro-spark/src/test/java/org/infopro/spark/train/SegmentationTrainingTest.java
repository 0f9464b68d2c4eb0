package org.infopro.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.data.rehearsal.MakeCityscapesConfig;
import org.infopro.data.rehearsal.MakeCityscapesJob;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillMeta;
import org.infopro.spark.spill.SpillRecord;
import org.infopro.spark.spill.SpillStore;
import org.infopro.spark.task.SpillSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segmentation end to end on real pixels: Fashion-MNIST garments composed into street-scene frames in the Cityscapes
 * layout (make-cityscapes), sharded with their masks by prep-cityscapes, then a reduced DeepLab-V3-R18 trained in local
 * Spark on scale-crop-flip crops, end to end and as InfoPro* K=2, and validated on whole frames. The composed network's
 * mIoU and per-class IoU, and module 1's head_inter scores, reach result.json and metrics.jsonl.
 */
class SegmentationTrainingTest {
    private static SparkSession spark;
    private static Path dataset;
    private static int classes;

    @BeforeAll
    static void prepare(@TempDir Path tmp) {
        spark = SparkSessions.local("SegmentationTrainingTest");
        Path idx = IdxFixtures.fashionMnistOrGenerated(tmp, 500, 100);
        Path tree = tmp.resolve("cityscapes");
        MakeCityscapesJob.run(MakeCityscapesConfig.fromArgs(new String[]{"--input", idx.toString(), "--output", tree.toString(),
                "--width", "128", "--height", "64", "--min-size", "16", "--max-size", "32", "--train-frames", "6",
                "--val-frames", "2", "--cities", "2", "--garments", "6", "--progress-seconds", "0", "--threads", "2"}));
        dataset = tmp.resolve("ds");
        assertEquals(Status.OK, ImagePrepJob.run(ImagePrepConfig.fromArgs(ImageDataset.CITYSCAPES, new String[]{"--input",
                tree.toString(), "--output", dataset.toString(), "--progress-seconds", "0"}), spark).status());
        classes = ShardReader.open(spark, dataset.toString()).manifest().numClasses();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The recipe's scale-crop-flip to 32x64 crops and one epoch, unless {@code extra} gives --augment or --iterations. */
    private static List<String> args(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dataset", dataset.toString(), "--out", out.toString(), "--arch", "deeplabv3",
                "--depth", "18", "--width", "0.125", "--batch-size", "2", "--lr", "0.01",
                "--log-every", "0", "--prefetch", "2", "--input-threads", "2"));
        if (!List.of(extra).contains("--augment")) {
            args.addAll(List.of("--crop", "32"));
        }
        if (!List.of(extra).contains("--iterations")) {
            args.addAll(List.of("--epochs", "1"));
        }
        args.addAll(List.of(extra));
        return args;
    }

    private static String[] plus(String[] a, String... b) {
        return Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
    }

    /** The modules of the finished run in {@code out}, trained with {@code extra}. */
    private static List<ModuleState> finalState(Path out, String... extra) {
        TrainConfig cfg = TrainConfig.fromArgs(args(out, extra).toArray(String[]::new));
        ShardReader reader = ShardReader.open(spark, dataset.toString());
        ModuleStack.Setup setup = TrainJob.setup(cfg, new BatchAssembler(reader.manifest(), cfg.transform()), classes);
        return Checkpoint.read(new org.apache.hadoop.fs.Path(out.resolve(TrainJob.CHECKPOINT).toString()), setup,
                spark.sparkContext().hadoopConfiguration()).states();
    }


    private static JsonNode train(Path out, String... extra) throws Exception {
        TrainResult r = TrainJob.run(TrainConfig.fromArgs(args(out, extra).toArray(String[]::new)), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        return Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT)));
    }

    /** mIoU and its parts, finite and in [0, 1], one IoU per class (null for a class neither labelled nor predicted). */
    private static void assertScores(JsonNode seg, String what) {
        assertTrue(seg != null && seg.isObject(), what + ": " + seg);
        for (String k : new String[]{"miou", "pixel_accuracy", "mean_class_accuracy"}) {
            double v = seg.get(k).asDouble(Double.NaN);
            assertTrue(seg.get(k).isNumber() && v >= 0 && v <= 1, what + " " + k + ": " + seg.get(k));
        }
        assertEquals(classes, seg.get("class_iou").size(), what + ": one IoU per class");
        int scored = 0;
        for (JsonNode c : seg.get("class_iou")) {
            assertTrue(c.isNull() || c.asDouble() >= 0 && c.asDouble() <= 1, what + ": class IoU " + c);
            scored += c.isNull() ? 0 : 1;
        }
        assertTrue(scored >= 2, what + ": the background and at least one garment class are scored: " + seg.get("class_iou"));
        assertTrue(seg.get("pixels").asLong() > 0 && seg.get("pixels").asLong() <= 2L * 64 * 128, what + ": pixels " + seg.get("pixels"));
    }

    @Test
    void deepLabV3TrainsEndToEndAndAsInfoProStarK2OnCityscapesShardsWithMiouInTheResult(@TempDir Path tmp) throws Exception {
        JsonNode e2e = train(tmp.resolve("e2e"), "--loss", "e2e", "--splits", "none");
        assertScores(e2e.get("segmentation"), "e2e");
        assertEquals(e2e.get("segmentation").get("miou").asDouble(), e2e.get("test_miou").asDouble());

        // the exported model at full resolution: 32x64 windows over the 64x128 frames, two thirds of the window apart
        EvaluateJob.Result eval = EvaluateJob.run(EvaluateConfig.fromArgs(new String[]{"--run", tmp.resolve("e2e").toString(),
                "--split", "val"}), spark);
        assertEquals(2, eval.images());
        assertEquals("sliding window 32x64 every 22x43 over 64x128 frames", eval.inference());
        assertTrue(eval.accuracy() == null, "no per-image accuracy for segmentation");
        assertScores(Json.mapper().valueToTree(eval.segmentation()), "evaluate");
        ConfigException stride = assertThrows(ConfigException.class, () -> EvaluateConfig.fromArgs(new String[]{"--run", "r",
                "--stride", "0,5"}));
        assertTrue(stride.getMessage().contains("--stride 341,683"), stride.getMessage());

        JsonNode k2 = train(tmp.resolve("k2"));
        assertEquals(2, k2.get("last_epoch").get("validation").get("modules").size());
        assertScores(k2.get("segmentation"), "k2 network");
        JsonNode module1 = k2.get("last_epoch").get("validation").get("modules").get(0);
        assertScores(module1.get("segmentation"), "k2 module-1 head_inter");
        assertTrue(module1.get("reconstruction_bce").asDouble() > 0, "module 1's decoder_inter BCE: " + module1);
        String metrics = Files.readString(tmp.resolve("k2").resolve(TrainJob.METRICS));
        assertTrue(metrics.contains("\"miou\""), metrics);
    }

    @Test
    void sequentialRecomputeTrainsEachDeepLabV3ModuleTheGivenIterations(@TempDir Path tmp) throws Exception {
        JsonNode seq = train(tmp.resolve("seq"), "--schedule", "sequential", "--spill", "recompute", "--iterations", "4");
        assertScores(seq.get("segmentation"), "sequential");
        // 3 steps per epoch: 3 + 1 for module 1, then 3 + 1 for module 2
        assertEquals(List.of(3L, 1L, 3L, 1L), epochSteps(tmp.resolve("seq")));
    }

    /** The training steps of every epoch line in the run's metrics.jsonl, in order. */
    private static List<Long> epochSteps(Path run) throws Exception {
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(TrainJob.METRICS))) {
            JsonNode n = Json.mapper().readTree(line);
            if (n.has("train") && n.get("train").has("steps")) {
                steps.add(n.get("train").get("steps").asLong());
            }
        }
        return steps;
    }

    @Test
    void sequentialSpillCarriesEveryFramesMaskSoModule2GetsTheBatchesRecomputeGives(@TempDir Path tmp) throws Exception {
        // whole frames, no augmentation: a spilled view is the frame itself
        String[] spill = {"--augment", "none", "--schedule", "sequential", "--spill", "spill", "--spill-precision", "fp32",
                "--keep-spill", "true", "--spill-format", "parquet"};
        JsonNode spilled = train(tmp.resolve("spill"), spill);
        assertScores(spilled.get("segmentation"), "sequential spill");
        assertTrue(spilled.get("plan").get("chosen").asText().equalsIgnoreCase("spill"), spilled.get("plan").toString());

        org.apache.hadoop.fs.Path train = new org.apache.hadoop.fs.Path(tmp.resolve("spill/spill/module-1/train").toString());
        SpillMeta meta = SpillStore.meta(train, spark.sparkContext().hadoopConfiguration());
        assertArrayEquals(new int[]{64, 128}, meta.layout().labelShape());
        assertEquals(6, meta.stats().records());
        // module 2's batches from the spill hold exactly the labels, masks and targets of the frames recompute assembles
        List<SpillRecord> records = new ArrayList<>(SpillStore.read(spark, train).collect());
        records.sort(Comparator.comparing(SpillRecord::key));
        ShardReader reader = ShardReader.open(spark, dataset.toString());
        List<LabeledImage> frames = new ArrayList<>(reader.images("train", 0).collect());
        frames.sort(Comparator.comparing(LabeledImage::key));
        TrainConfig cfg = TrainConfig.fromArgs(args(tmp.resolve("spill"), spill).toArray(String[]::new));
        try (ImageBatch fromSpill = new SpillSource(meta.layout(), classes).assemble(records, 0, 6, null, null);
             ImageBatch fromFrames = new BatchAssembler(reader.manifest(), cfg.transform()).assemble(frames, 0, 6, null)) {
            assertArrayEquals(fromFrames.pixels().ids(), fromSpill.pixels().ids());
            assertEquals(fromFrames.pixels().mask(), fromSpill.pixels().mask());
            assertEquals(fromFrames.labels(), fromSpill.labels());
            double d = fromFrames.pixels01().sub(fromSpill.pixels01()).amaxNumber().doubleValue();
            assertTrue(d <= 0.5 / 255 + 1e-6, "uint8 reconstruction targets: max |difference| " + d);
        }
    }

    @Test
    void spilledValidationFramesAndTrainingCropsKeepLayoutsOfTheirOwn(@TempDir Path tmp) throws Exception {
        JsonNode seq = train(tmp.resolve("seq"), "--schedule", "sequential", "--spill", "spill", "--keep-spill", "true");
        assertScores(seq.get("segmentation"), "sequential spill of crops");
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        SpillLayout crops = SpillStore.meta(new org.apache.hadoop.fs.Path(tmp.resolve("seq/spill/module-1/train").toString()),
                conf).layout();
        SpillLayout frames = SpillStore.meta(new org.apache.hadoop.fs.Path(tmp.resolve("seq/spill/module-1/validation").toString()),
                conf).layout();
        assertArrayEquals(new int[]{32, 64}, crops.labelShape());
        assertArrayEquals(new int[]{3, 32, 64}, crops.targetShape());
        assertArrayEquals(new int[]{64, 128}, frames.labelShape());
        // output stride 8 at both sizes
        assertEquals(crops.shape()[0], frames.shape()[0]);
        assertArrayEquals(new int[]{4, 8, 8, 16}, new int[]{crops.shape()[1], crops.shape()[2], frames.shape()[1], frames.shape()[2]});
    }

    @Test
    void staggeredAtFp32TrainsDeepLabV3BitForBitLikeTheSimultaneousSchedule(@TempDir Path tmp) throws Exception {
        // module 2 trains each chunk a wave after module 1, on the outputs and masks module 1's forward passes handed off;
        // 5 iterations of 3 steps per epoch: a whole epoch and 2 steps of the next in both schedules
        String[] frames = {"--augment", "none", "--spill-precision", "fp32", "--iterations", "5"};
        String[] staggered = plus(frames, "--schedule", "staggered", "--wave-fraction", "0.34");
        train(tmp.resolve("simultaneous"), frames);
        JsonNode r = train(tmp.resolve("staggered"), staggered);
        assertScores(r.get("segmentation"), "staggered");
        assertEquals(List.of(3L, 2L), epochSteps(tmp.resolve("simultaneous")), "simultaneous");
        assertEquals(List.of(3L, 2L), epochSteps(tmp.resolve("staggered")), "staggered");
        assertEquals(5, r.get("config").get("iterations").asInt());
        assertEquals(2, r.get("config").get("epochs").asInt());
        List<ModuleState> a = finalState(tmp.resolve("simultaneous"), frames);
        List<ModuleState> b = finalState(tmp.resolve("staggered"), staggered);
        for (int m = 0; m < 2; m++) {
            assertArrayEquals(a.get(m).params(), b.get(m).params(), "module " + (m + 1) + ": parameters");
            assertArrayEquals(a.get(m).updater(), b.get(m).updater(), "module " + (m + 1) + ": momentum");
        }
    }

    @Test
    void classificationAugmentationsAndDatasetsAreRefusedWithTheFix(@TempDir Path tmp) {
        ConfigException cropFlip = assertThrows(ConfigException.class,
                () -> TrainConfig.fromArgs(args(tmp.resolve("s"), "--augment", "crop-flip").toArray(String[]::new)));
        assertTrue(cropFlip.getMessage().contains("--augment scale-crop-flip --crop N"), cropFlip.getMessage());
        ConfigException cropped = assertThrows(ConfigException.class,
                () -> TrainConfig.fromArgs(args(tmp.resolve("p"), "--augment", "none", "--crop", "32").toArray(String[]::new)));
        assertTrue(cropped.getMessage().contains("--augment none without --crop"), cropped.getMessage());
        ConfigException cifar = assertThrows(ConfigException.class, () -> TrainConfig.fromArgs(new String[]{"--dataset",
                dataset.toString(), "--out", tmp.resolve("c").toString(), "--augment", "scale-crop-flip", "--crop", "32"}));
        assertTrue(cifar.getMessage().contains("--arch deeplabv3"), cifar.getMessage());
    }
}
