package org.infopro.spark.data;

import org.apache.spark.sql.SparkSession;
import org.infopro.data.io.Status;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.data.prep.ImagePrepResult;
import org.infopro.data.testing.ImageFixtures;
import org.infopro.data.testing.LayoutFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training reader on prepared ImageNet- and Cityscapes-style shards: decoded once, augmented per dataset. */
class EncodedShardReaderTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("EncodedShardReaderTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static ImagePrepResult prep(ImageDataset ds, Path in, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--progress-seconds", "0"));
        args.addAll(List.of(extra));
        return ImagePrepJob.run(ImagePrepConfig.fromArgs(ds, args.toArray(String[]::new)), spark);
    }

    @Test
    void imagenetShardsBecomeFixedSizeBatchesWithRandomResizedCropOrCentreCrop(@TempDir Path tmp) {
        Path in = tmp.resolve("ilsvrc");
        LayoutFixtures.imagenetLoc(in, 4, 3);
        Path ds = tmp.resolve("ds");
        assertEquals(Status.OK, prep(ImageDataset.IMAGENET, in, ds).status());
        ShardReader reader = ShardReader.open(spark, ds.toString());
        List<LabeledImage> train = reader.images("train", 0).collect().stream()
                .sorted(Comparator.comparing(LabeledImage::key)).toList();
        assertEquals(12, train.size());
        LabeledImage first = train.get(0);
        assertEquals(30, first.height());
        assertEquals(40, first.width());
        assertEquals(40 * 30 * 3, first.pixels().length);
        assertEquals(3, first.channels());
        assertEquals("val", reader.firstSplit("test", "val"));

        InputTransform t = new InputTransform(0, 0, InputTransform.Augment.RANDOM_RESIZED_CROP, 16, 0);
        BatchAssembler a = new BatchAssembler(reader.manifest(), t);
        assertArrayEquals(new int[]{16, 16, 3}, a.outputShape());
        try (ImageBatch b = a.assemble(train, 0, 8, new Random(1))) {
            assertArrayEquals(new long[]{8, 3, 16, 16}, b.features().shape());
            // solid class colours survive any crop: the red channel of class 0 images is high
            INDArray px = b.pixels01();
            for (int i = 0; i < 8; i++) {
                int k = b.labelIndices()[i];
                int[] c = LayoutFixtures.classColour(k);
                assertEquals(c[0] / 255.0, px.getDouble(i, 0, 8, 8), 0.08, "image " + i);
            }
        }
        List<LabeledImage> val = reader.images("val", 0).collect();
        try (ImageBatch e1 = a.assemble(val, 0, 3); ImageBatch e2 = a.assemble(val, 0, 3)) {
            assertArrayEquals(new long[]{3, 3, 16, 16}, e1.features().shape());
            assertEquals(e1.features(), e2.features(), "evaluation crops are deterministic");
        }
    }

    @Test
    void cityscapesBatchesCarryExactMasksThroughScaleCropFlip(@TempDir Path tmp) {
        Path in = tmp.resolve("cityscapes");
        for (int f = 0; f < 3; f++) {
            LayoutFixtures.cityscapesFrame(in, "train", "jena", f, 19, ImageFixtures.photoLike(64, 32, f),
                    LayoutFixtures.labelIds(64, 32, 7, 26));
        }
        LayoutFixtures.cityscapesFrame(in, "val", "lindau", 0, 19, ImageFixtures.photoLike(64, 32, 9),
                LayoutFixtures.labelIds(64, 32, 8, 11));
        Path ds = tmp.resolve("ds");
        assertEquals(Status.OK, prep(ImageDataset.CITYSCAPES, in, ds).status());
        ShardReader reader = ShardReader.open(spark, ds.toString());
        List<LabeledImage> train = reader.images("train", 0).collect();
        assertEquals(64 * 32, train.get(0).mask().length);
        BatchAssembler a = new BatchAssembler(reader.manifest(), new InputTransform(0, 0, InputTransform.Augment.SCALE_CROP_FLIP, 16, 0));
        try (ImageBatch b = a.assemble(train, 0, 3, new Random(5))) {
            assertArrayEquals(new long[]{3, 3, 16, 32}, b.features().shape());
            assertArrayEquals(new long[]{3, 19, 16, 32}, b.labels().shape());
            assertArrayEquals(new long[]{3, 1, 16, 32}, b.pixels().mask().shape());
            Set<Integer> values = new HashSet<>();
            for (int v : b.pixels().ids()) {
                values.add(v);
            }
            assertTrue(Set.of(0, 13, 255).containsAll(values), "road 0, car 13, ignore 255 only: " + values);
            int[] ids = java.util.Arrays.copyOfRange(b.pixels().ids(), 0, 16 * 32);
            for (int p = 0; p < ids.length; p++) {
                int y = p / 32, x = p % 32;
                assertEquals(ids[p] == 255 ? 0.0 : 1.0, b.pixels().mask().getDouble(0, 0, y, x), "mask at " + p);
                if (ids[p] != 255) {
                    assertEquals(1.0, b.labels().getDouble(0, ids[p], y, x), "one-hot of train id " + ids[p] + " at " + p);
                }
            }
        }
        List<LabeledImage> val = reader.images("val", 0).collect();
        assertArrayEquals(new int[]{32, 64, 3}, a.evalShape());
        try (ImageBatch b = a.assemble(val, 0, 1, null)) {
            assertArrayEquals(new long[]{1, 3, 32, 64}, b.features().shape());
            assertEquals(1, b.pixels().ids()[0], "sidewalk (8) -> 1");
            assertEquals(2, b.pixels().ids()[63], "building (11) -> 2");
            assertEquals(255, b.pixels().ids()[31 * 64 + 10], "ego vehicle (1) -> ignore");
        }
    }
}
