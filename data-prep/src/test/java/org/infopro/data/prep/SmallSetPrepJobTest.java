package org.infopro.data.prep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.Status;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.testing.SmallSetFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** prep-cifar10, prep-svhn and prep-stl10 end to end: binary files in, shards whose pixels and labels are exact. */
class SmallSetPrepJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("SmallSetPrepJobTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Checks every row's label and every pixel against the fixture's pattern. */
    private static void assertExact(Path ds, String split, int side, java.util.function.LongUnaryOperator label) {
        for (Row r : spark.read().parquet(ds.resolve(split).toString()).collectAsList()) {
            long index = Long.parseLong(r.getString(0).substring(split.length() + 1));
            assertEquals(label.applyAsLong(index), r.getInt(2), r.getString(0));
            assertEquals(ShardSchema.ENCODING_RAW, r.getString(9));
            byte[] px = (byte[]) r.get(3);
            assertEquals(side * side * 3, px.length);
            for (int y = 0; y < side; y += 7) {
                for (int x = 0; x < side; x += 5) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(SmallSetFixtures.sample(index, x, y, c), px[(y * side + x) * 3 + c] & 0xff,
                                r.getString(0) + " at " + x + "," + y + "," + c);
                    }
                }
            }
            int m = (SmallSetFixtures.MARK_Y * side + SmallSetFixtures.MARK_X) * 3;
            assertArrayEquals(new byte[]{(byte) 255, 0, (byte) 128}, new byte[]{px[m], px[m + 1], px[m + 2]});
        }
    }

    @Test
    void cifar10BatchesBecomeExactHwcRowsWithTheirNames(@TempDir Path tmp) {
        Path in = tmp.resolve("cifar-10-batches-bin");
        SmallSetFixtures.cifar10(in, 7, 9);
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(ImagePrepJobTest.config(ImageDataset.CIFAR10, tmp, out), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        assertEquals(Map.of("train", 35L, "test", 9L), r.rowsPerSplit());
        assertExact(out, "train", 32, SmallSetFixtures::cifarLabel);
        DatasetManifest m = DatasetManifest.read(out.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(SmallSetFixtures.CIFAR_NAMES, m.labelNames());
        assertEquals(32, m.image().height());
        assertEquals(ShardSchema.ENCODING_RAW, m.image().encoding());
    }

    @Test
    void svhnLabelTenIsDigitZeroAndExtraIsOptIn(@TempDir Path tmp) {
        SmallSetFixtures.svhn(tmp, 12, 5, 4, true);
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(ImagePrepJobTest.config(ImageDataset.SVHN, tmp, out,
                "--splits", "train,test,extra"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        assertEquals(Map.of("train", 12L, "test", 5L, "extra", 4L), r.rowsPerSplit());
        assertExact(out, "train", 32, i -> SmallSetFixtures.svhnStoredLabel(i) % 10);
    }

    @Test
    void stl10ColumnMajorImagesBecomeRowMajorAndLabelsStartAtZero(@TempDir Path tmp) throws Exception {
        SmallSetFixtures.stl10(tmp.resolve("stl10_binary"), 4, 3, 0);
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(ImagePrepJobTest.config(ImageDataset.STL10, tmp, out,
                "--storage", "encoded"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        assertEquals(Map.of("train", 4L, "test", 3L), r.rowsPerSplit());
        DatasetManifest m = DatasetManifest.read(out.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(ShardSchema.ENCODING_PNG, m.image().encoding(), "decoded records are stored losslessly when encoded");
        assertEquals(96, m.image().width());
        for (Row row : spark.read().parquet(out.resolve("train").toString()).collectAsList()) {
            long index = Long.parseLong(row.getString(0).substring("train/".length()));
            assertEquals(SmallSetFixtures.stlStoredLabel(index) - 1, row.getInt(2));
            RgbImage img = ImageCodec.decodeRgb((byte[]) row.get(3), Long.MAX_VALUE);
            assertEquals(SmallSetFixtures.sample(index, 40, 17, 1), img.sample(40, 17, 1));
            assertEquals(SmallSetFixtures.MARK_RGB[2], img.sample(SmallSetFixtures.MARK_X, SmallSetFixtures.MARK_Y, 2));
        }
    }
}
