package org.infopro.data.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.AtomicOutput;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxPrepJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("IdxPrepJobTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static IdxPrepConfig config(Path in, Path out, int shards, long seed, WriteMode mode) {
        return new IdxPrepConfig(in.toString(), out.toString(), IdxDataset.FASHION_MNIST, shards, seed, 0, mode,
                IdxPrepConfig.Compression.SNAPPY);
    }

    @Test
    void shardsAndManifestRoundTripWithMatchingCountsAndChecksums(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("idx");
        IdxFixtures.writeDataset(in, 230, 70, 10, true, 1);
        Path out = tmp.resolve("ds");
        PrepResult r = IdxPrepJob.run(config(in, out, 3, 42, WriteMode.ERROR), spark);
        assertEquals(Status.OK, r.status());
        assertEquals(Map.of("train", 230L, "test", 70L), r.rowsPerSplit());

        Configuration conf = new Configuration();
        DatasetManifest m = DatasetManifest.read(out.toString(), conf);
        assertEquals(ShardSchema.VERSION, m.schemaVersion());
        assertEquals(10, m.numClasses());
        assertEquals("Ankle boot", m.labelNames().get(9));
        assertEquals(230, m.split("train").rows());
        // labels cycle as (i*7) % 10 over 230 images: 23 of each class
        for (long c : m.split("train").classCounts()) {
            assertEquals(23, c);
        }
        for (String split : List.of("train", "test")) {
            long rows = 0;
            for (DatasetManifest.ShardFile f : m.split(split).shards()) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(out.toString(), f.path());
                assertEquals(Files.size(Path.of(p.toUri().getPath())), f.bytes(), f.path());
                assertEquals(Fs.sha256(p, conf), f.sha256(), f.path());
                assertEquals(f.rows(), spark.read().parquet(p.toString()).count(), f.path());
                rows += f.rows();
            }
            assertEquals(m.split(split).rows(), rows, split);
        }
        // every image comes back byte-identical under its key
        byte[][] original = org.infopro.data.idx.IdxReader.readRecords(
                new org.apache.hadoop.fs.Path(in.resolve("train-images-idx3-ubyte.gz").toUri()), conf, 3, 0, 230);
        List<LabeledImage> back = ShardReader.open(spark, out.toString()).images("train", 0).collect();
        assertEquals(230, back.size());
        for (LabeledImage li : back) {
            int idx = Integer.parseInt(li.key().substring("train/".length()));
            assertArrayEquals(original[idx], li.pixels(), li.key());
            assertEquals((idx * 7) % 10, li.label(), li.key());
        }
        // channel statistics equal a direct computation over the training pixels
        double sum = 0, sq = 0;
        for (byte[] img : original) {
            for (byte b : img) {
                double v = (b & 0xff) / 255.0;
                sum += v;
                sq += v * v;
            }
        }
        double n = 230.0 * 784;
        assertEquals(sum / n, m.channelStats().mean()[0], 1e-9);
        assertEquals(Math.sqrt(sq / n - (sum / n) * (sum / n)), m.channelStats().std()[0], 1e-9);
        // no staging folders left beside the published dataset
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("ds", "idx"), s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
    }

    @Test
    void sameSeedGivesIdenticalShardsAndAnotherSeedReassignsRows(@TempDir Path tmp) {
        Path in = tmp.resolve("idx");
        IdxFixtures.writeDataset(in, 120, 40, 10, false, 2);
        DatasetManifest a = prepAndRead(in, tmp.resolve("a"), 7);
        DatasetManifest b = prepAndRead(in, tmp.resolve("b"), 7);
        DatasetManifest c = prepAndRead(in, tmp.resolve("c"), 8);
        assertEquals(digests(a), digests(b));
        assertFalse(digests(a).equals(digests(c)), "a different seed should reassign rows to shards");
    }

    @Test
    void existingOutputIsRefusedReplacedOrKeptOnlyWhenMadeWithTheSameOptions(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("idx");
        IdxFixtures.writeDataset(in, 40, 20, 10, false, 3);
        Path out = tmp.resolve("ds");
        // skip-ok over nothing runs: the same command line is right for a first attempt
        assertEquals(Status.OK, IdxPrepJob.run(config(in, out, 2, 0, WriteMode.SKIP_OK), spark).status());
        ConfigException e = assertThrows(ConfigException.class, () -> IdxPrepJob.run(config(in, out, 2, 0, WriteMode.ERROR), spark));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(Status.SKIPPED, IdxPrepJob.run(config(in, out, 2, 0, WriteMode.SKIP_OK), spark).status());
        ConfigException other = assertThrows(ConfigException.class,
                () -> IdxPrepJob.run(config(in, out, 3, 0, WriteMode.SKIP_OK), spark));
        assertTrue(other.getMessage().contains("shards: 2 -> 3"), other.getMessage());
        assertEquals(Status.OK, IdxPrepJob.run(config(in, out, 3, 0, WriteMode.OVERWRITE), spark).status());
        assertEquals(3, DatasetManifest.read(out.toString(), new Configuration()).split("train").shards().size());
        assertEquals(Status.SKIPPED, IdxPrepJob.run(config(in, out, 3, 0, WriteMode.SKIP_OK), spark).status());

        // a dataset published before stamps: its manifest's config decides, where --if-exists was still "mode"
        Files.delete(out.resolve(AtomicOutput.STAMP));
        Path manifest = out.resolve("_manifest.json");
        String json = Files.readString(manifest);
        assertTrue(json.contains("\"if_exists\" : \"overwrite\""), json);
        Files.deleteIfExists(out.resolve("._manifest.json.crc")); // Hadoop's checksum of the bytes before this edit
        Files.writeString(manifest, json.replace("\"if_exists\" : \"overwrite\"", "\"mode\" : \"skip\""));
        assertEquals(Status.SKIPPED, IdxPrepJob.run(config(in, out, 3, 0, WriteMode.SKIP_OK), spark).status());
        // a folder this project did not publish is never taken for the job's output
        Path foreign = tmp.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "not a dataset");
        ConfigException notOurs = assertThrows(ConfigException.class,
                () -> IdxPrepJob.run(config(in, foreign, 3, 0, WriteMode.SKIP_OK), spark));
        assertTrue(notOurs.getMessage().contains("has no _output.json"), notOurs.getMessage());
        assertEquals("not a dataset", Files.readString(foreign.resolve("notes.txt")));
    }

    @Test
    void truncatedInputFailsBeforeAnyOutputIsWritten(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("idx");
        IdxFixtures.writeDataset(in, 40, 20, 10, false, 4);
        Path images = in.resolve("t10k-images-idx3-ubyte");
        byte[] all = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(all, all.length - 100));
        Path out = tmp.resolve("ds");
        ConfigException e = assertThrows(ConfigException.class, () -> IdxPrepJob.run(config(in, out, 2, 0, WriteMode.ERROR), spark));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void labelOutsideTheDatasetsClassesIsRejected(@TempDir Path tmp) {
        Path in = tmp.resolve("idx");
        IdxFixtures.writeDataset(in, 40, 20, 12, false, 5);
        ConfigException e = assertThrows(ConfigException.class,
                () -> IdxPrepJob.run(config(in, tmp.resolve("ds"), 2, 0, WriteMode.ERROR), spark));
        assertTrue(e.getMessage().contains("record 5 has label 11 but fashion-mnist has 10 classes"), e.getMessage());
    }

    @Test
    void schemaCheckNamesAMissingColumn() {
        var df = spark.range(3).toDF("key");
        ConfigException e = assertThrows(ConfigException.class, () -> ShardSchema.check(df.schema(), "somewhere"));
        assertTrue(e.getMessage().contains("'key' has type bigint, expected string"), e.getMessage());
    }

    private static DatasetManifest prepAndRead(Path in, Path out, long seed) {
        IdxPrepJob.run(config(in, out, 3, seed, WriteMode.ERROR), spark);
        return DatasetManifest.read(out.toString(), new Configuration());
    }

    private static Map<String, String> digests(DatasetManifest m) {
        Map<String, String> d = new HashMap<>();
        for (DatasetManifest.SplitInfo s : m.splits().values()) {
            for (DatasetManifest.ShardFile f : s.shards()) {
                d.put(f.path(), f.sha256() + "/" + f.rows());
            }
        }
        return d;
    }

}
