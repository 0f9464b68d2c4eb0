package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxDataset;
import org.infopro.data.prep.IdxPrepConfig;
import org.infopro.data.prep.IdxPrepJob;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming training input on real Parquet shards written by prep: bounded decoded images whatever the
 * dataset size, every row once per epoch, the same batches for the same seed whatever the threads or the step a
 * task starts at, and row ranges read across row groups.
 */
class ImageStreamTest {
    private static SparkSession spark;
    private static Path dataset;
    private static DatasetManifest manifest;
    private static final Configuration CONF = new Configuration();

    @BeforeAll
    static void prepare(@TempDir Path tmp) {
        spark = SparkSessions.local("ImageStreamTest");
        Path idx = tmp.resolve("idx");
        IdxFixtures.writeDataset(idx, 2400, 16, 10, false, 3);
        dataset = tmp.resolve("ds");
        IdxPrepJob.run(new IdxPrepConfig(idx.toString(), dataset.toString(), IdxDataset.FASHION_MNIST, 3, 7, 0, WriteMode.ERROR,
                IdxPrepConfig.Compression.SNAPPY), spark);
        manifest = DatasetManifest.read(dataset.toString(), CONF);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static BatchAssembler assembler() {
        return new BatchAssembler(manifest, new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP));
    }

    private static List<HostBatch> epoch(StreamPlan plan, int part, long seed, ImageStream.Settings s, boolean augment,
                                         int from, int to, int[] maxAlive) {
        ImageStream.StepRandom rng = augment ? step -> new Random(seed * 31 + step) : null;
        List<HostBatch> out = new ArrayList<>();
        try (ImageStream stream = new ImageStream(new EpochOrder(plan.parts().get(part), seed), assembler(), CONF, s, false, rng,
                from, to)) {
            while (stream.hasNext()) {
                out.add(stream.next());
            }
            maxAlive[0] = stream.maxDecodedAlive();
            assertEquals(s.prefetch() * s.batchSize(), stream.bound());
        }
        return out;
    }

    @Test
    void decodedImagesInATaskStayWithinPrefetchTimesBatchWhateverTheDatasetSize() {
        ImageStream.Settings s = new ImageStream.Settings(8, 2, 3);
        for (int limit : new int[]{300, 2400}) {
            StreamPlan plan = StreamPlan.of(manifest, dataset.toString(), "train", limit, 2, 5);
            int[] maxAlive = new int[1];
            List<HostBatch> batches = epoch(plan, 1, 11, s, true, 0, ImageStream.steps(plan.size(1), 8), maxAlive);
            assertTrue(maxAlive[0] > 0 && maxAlive[0] <= 16, limit + " images: at most 2 × 8 decoded at once, saw " + maxAlive[0]);
            Set<String> keys = new HashSet<>();
            batches.forEach(b -> keys.addAll(b.keys()));
            assertEquals(plan.size(1), keys.size(), "every row of the share once per epoch");
            assertEquals(plan.size(1), batches.stream().mapToInt(HostBatch::size).sum());
        }
    }

    @Test
    void theSameSeedGivesTheSameBatchesWhateverTheThreadsOrTheStartingStep() {
        StreamPlan plan = StreamPlan.of(manifest, dataset.toString(), "train", 0, 2, 5);
        int steps = ImageStream.steps(plan.size(0), 16);
        int[] alive = new int[1];
        List<HostBatch> a = epoch(plan, 0, 21, new ImageStream.Settings(16, 1, 1), true, 0, steps, alive);
        List<HostBatch> b = epoch(plan, 0, 21, new ImageStream.Settings(16, 4, 3), true, 0, steps, alive);
        List<HostBatch> tail = epoch(plan, 0, 21, new ImageStream.Settings(16, 2, 2), true, 40, steps, alive);
        for (int i = 0; i < steps; i++) {
            assertEquals(a.get(i).keys(), b.get(i).keys(), "step " + i);
            assertArrayEquals(a.get(i).features(), b.get(i).features(), "step " + i);
        }
        for (int i = 40; i < steps; i++) {
            assertEquals(a.get(i).keys(), tail.get(i - 40).keys(), "a task starting at step 40, step " + i);
            assertArrayEquals(a.get(i).pixels01(), tail.get(i - 40).pixels01(), "step " + i);
        }
        List<HostBatch> other = epoch(plan, 0, 22, new ImageStream.Settings(16, 2, 2), true, 0, 1, alive);
        assertNotEquals(a.get(0).keys(), other.get(0).keys(), "another epoch's seed orders the rows otherwise");
    }

    @Test
    void replicasShareTheSplitWithoutOverlapAndWrapToFullBatches() {
        StreamPlan plan = StreamPlan.of(manifest, dataset.toString(), "train", 1000, 3, 5);
        assertEquals(1000, plan.rows());
        Set<String> all = new HashSet<>();
        for (int p = 0; p < 3; p++) {
            try (ImageStream stream = new ImageStream(new EpochOrder(plan.parts().get(p), 1), assembler(), CONF,
                    new ImageStream.Settings(64, 2, 1), true, null, 0, ImageStream.steps(plan.size(p), 64))) {
                Set<String> mine = new HashSet<>();
                while (stream.hasNext()) {
                    HostBatch b = stream.next();
                    assertEquals(64, b.size(), "wrapping replicas run full batches");
                    mine.addAll(b.keys());
                }
                assertEquals(plan.size(p), mine.size());
                mine.forEach(k -> assertTrue(all.add(k), k + " is in two replicas' shares"));
            }
        }
        assertEquals(1000, all.size());
    }

    @Test
    void aChunkReadsExactlyItsRowsAcrossRowGroups(@TempDir Path tmp) throws Exception {
        Path file = oneParquetFile(tmp.resolve("small-groups"), 200, "parquet.block.size", "16384");
        int groups;
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), CONF))) {
            groups = r.getRowGroups().size();
        }
        assertTrue(groups >= 4, "the file has several row groups: " + groups);
        List<ShardRow> got = ChunkReader.read(new ShardChunk(file.toString(), 777, 901, 0), CONF);
        assertEquals(901, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(String.format("train/%05d", 777 + i), got.get(i).key());
            byte[] px = new byte[200];
            new Random(777 + i).nextBytes(px);
            assertArrayEquals(px, got.get(i).image());
        }
        assertFalse(got.get(0).decode().key().isEmpty());
    }

    @Test
    void aChunkInsideOneLargeRowGroupReadsOnlyThePagesHoldingItsRows(@TempDir Path tmp) throws Exception {
        // one row group (Parquet's default 128 MB holds the 8 MB), pages of 64 KB: about 16 images each
        Path file = oneParquetFile(tmp.resolve("one-group"), 4096, "parquet.page.size", "65536");
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), CONF))) {
            assertEquals(1, r.getRowGroups().size());
        }
        var stats = org.apache.hadoop.fs.FileSystem.getGlobalStorageStatistics().get("file");
        long before = stats == null ? 0 : stats.getLong("bytesRead");
        List<ShardRow> got = ChunkReader.read(new ShardChunk(file.toString(), 1003, 256, 0), CONF);
        stats = org.apache.hadoop.fs.FileSystem.getGlobalStorageStatistics().get("file");
        long read = stats.getLong("bytesRead") - before;
        assertEquals(256, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(String.format("train/%05d", 1003 + i), got.get(i).key());
            byte[] px = new byte[4096];
            new Random(1003 + i).nextBytes(px);
            assertArrayEquals(px, got.get(i).image());
            assertEquals((1003 + i) % 10, got.get(i).label());
        }
        long size = Files.size(file);
        // the chunk's own images are 1 MiB of the 8 MiB file; a whole-group read would take all of it
        assertTrue(read < size / 4, read + " bytes read of a " + size + "-byte file for 256 of its 2000 rows");
    }

    /** One Parquet file of 2000 shard rows "train/NNNNN", label i % 10, {@code bytes} random image bytes seeded by i. */
    private static Path oneParquetFile(Path dir, int bytes, String option, String value) throws Exception {
        StructType schema = new StructType().add(ShardSchema.KEY, DataTypes.StringType).add(ShardSchema.LABEL, DataTypes.IntegerType)
                .add(ShardSchema.IMAGE, DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] px = new byte[bytes];
            new Random(i).nextBytes(px);
            rows.add(RowFactory.create(String.format("train/%05d", i), i % 10, px));
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().option("parquet.enable.dictionary", "false").option(option, value)
                .parquet(dir.toString());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
    }
}
