package org.infopro.spark.spill;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spill store on local files with real Spark: every format, precision and codec, atomic writes, failures. */
class SpillStoreTest {
    static final int[] SHAPE = {4, 5, 5};
    static final int[] TARGET = {1, 4, 4};
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("SpillStoreTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** One image view's raw activation: seeded by its index, a quarter zeros (post-ReLU), the rest signed. */
    static float[] activation(int i, double zeros) {
        Random rnd = new Random(1000 + i);
        float[] a = new float[4 * 5 * 5];
        for (int v = 0; v < a.length; v++) {
            a[v] = rnd.nextDouble() < zeros ? 0f : (float) (rnd.nextGaussian() * 3);
        }
        return a;
    }

    /** {@code n} records: n/2 images with two views each, uint8 targets using the whole byte range. */
    static List<SpillRecord> records(int n, Precision p, double zeros) {
        List<SpillRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] target = new byte[16];
            for (int t = 0; t < target.length; t++) {
                target[t] = (byte) (i * 16 + t);
            }
            float[] a = activation(i, zeros);
            out.add(new SpillRecord(String.format("img-%03d", i / 2), i % 10, i % 2, target, p.encode(a, 0, a.length)));
        }
        return out;
    }

    static Map<String, SpillRecord> byKeyAndView(List<SpillRecord> rs) {
        return rs.stream().collect(Collectors.toMap(r -> r.key() + "/" + r.view(), Function.identity()));
    }

    static long partBytes(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("part-")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static long partFiles(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("part-")).count();
        }
    }

    private static Configuration conf() {
        return spark.sparkContext().hadoopConfiguration();
    }

    private static JavaRDD<SpillRecord> rdd(List<SpillRecord> rs) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rs, 3);
    }

    private static SpillStats write(List<SpillRecord> rs, java.nio.file.Path dir, SpillConfig cfg) {
        return SpillStore.write(spark, rdd(rs), new Path(dir.toUri()), new SpillLayout(SHAPE, cfg.precision(), TARGET), cfg);
    }

    static Stream<Arguments> everyConfig() {
        List<Arguments> all = new ArrayList<>();
        for (SpillFormat f : SpillFormat.values()) {
            for (Precision p : Precision.values()) {
                for (SpillCodec c : SpillCodec.values()) {
                    all.add(Arguments.of(new SpillConfig(f, p, c)));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyConfig")
    void everyRecordComesBackExactlyWithMatchingStats(SpillConfig cfg, @TempDir java.nio.file.Path tmp) throws IOException {
        List<SpillRecord> written = records(40, cfg.precision(), 0.25);
        java.nio.file.Path dir = tmp.resolve("spill").resolve("module-1");
        SpillStats stats = write(written, dir, cfg);

        assertEquals(40, stats.records());
        assertEquals(partFiles(dir), stats.files());
        assertTrue(stats.files() >= 1);
        assertEquals(partBytes(dir), stats.bytes(), "bytes are the data files' lengths");
        SpillMeta meta = SpillStore.meta(new Path(dir.toUri()), conf());
        assertEquals(new SpillLayout(SHAPE, cfg.precision(), TARGET), meta.layout());
        assertEquals(cfg, meta.config());
        assertEquals(stats, meta.stats());
        assertTrue(SpillStore.complete(new Path(dir.toUri()), conf()));
        try (Stream<java.nio.file.Path> s = Files.list(tmp.resolve("spill"))) {
            assertEquals(List.of("module-1"), s.map(f -> f.getFileName().toString()).toList(), "no staging folder left");
        }

        List<SpillRecord> read = SpillStore.read(spark, new Path(dir.toUri())).collect();
        assertEquals(40, read.size());
        assertEquals(byKeyAndView(written), byKeyAndView(read));
        for (int i = 0; i < 40; i++) {
            SpillRecord r = byKeyAndView(read).get(String.format("img-%03d/%d", i / 2, i % 2));
            float[] back = new float[100];
            cfg.precision().decode(r.activation(), back, 0);
            float[] raw = activation(i, 0.25);
            for (int v = 0; v < raw.length; v++) {
                float want = cfg.precision() == Precision.FP32 ? raw[v] : Precision.toFloat(Precision.toHalf(raw[v]));
                assertEquals(want, back[v], "record " + i + " value " + v);
                if (cfg.precision() == Precision.FP16) {
                    assertTrue(Math.abs(back[v] - raw[v]) <= 0x1p-11 * Math.abs(raw[v]) + 0x1p-25);
                }
            }
        }
    }

    @Test
    void zstdShrinksAMostlyZeroSpill(@TempDir java.nio.file.Path tmp) {
        List<SpillRecord> sparse = records(40, Precision.FP32, 0.9);
        for (SpillFormat f : SpillFormat.values()) {
            long plain = write(sparse, tmp.resolve(f.label() + "-none"), new SpillConfig(f, Precision.FP32, SpillCodec.NONE)).bytes();
            long zstd = write(sparse, tmp.resolve(f.label() + "-zstd"), new SpillConfig(f, Precision.FP32, SpillCodec.ZSTD)).bytes();
            assertTrue(zstd < plain * 0.6, f.label() + ": zstd " + zstd + " bytes vs none " + plain);
        }
    }

    @Test
    void readingAFolderWithoutSpillJsonFailsNamingIt(@TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path dir = tmp.resolve("half-written");
        Files.createDirectories(dir);
        Files.write(dir.resolve("part-00000.bin"), new byte[]{1, 2, 3});
        Path p = new Path(dir.toUri());
        assertFalse(SpillStore.complete(p, conf()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SpillStore.read(spark, p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains(SpillStore.META), e.getMessage());
        Path missing = new Path(tmp.resolve("never-written").toUri());
        e = assertThrows(IllegalStateException.class, () -> SpillStore.meta(missing, conf()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aFailingJobLeavesNoSpillAndKeepsAnOldOne(@TempDir java.nio.file.Path tmp) {
        for (SpillFormat f : SpillFormat.values()) {
            SpillConfig cfg = new SpillConfig(f, Precision.FP16, SpillCodec.ZSTD);
            SpillLayout layout = new SpillLayout(SHAPE, Precision.FP16, TARGET);
            JavaRDD<SpillRecord> failing = rdd(records(40, Precision.FP16, 0.25)).map(r -> {
                if (r.key().equals("img-017")) {
                    throw new IllegalStateException("boom in a task at " + r.key());
                }
                return r;
            });
            Path fresh = new Path(tmp.resolve(f.label() + "-fresh").toUri());
            Exception e = assertThrows(Exception.class, () -> SpillStore.write(spark, failing, fresh, layout, cfg));
            assertTrue(causes(e).contains("boom in a task at img-017"), causes(e));
            assertFalse(Files.exists(tmp.resolve(f.label() + "-fresh")), "no folder at dir");
            assertFalse(Files.exists(tmp.resolve("." + f.label() + "-fresh.staging")), "no staging left");
            assertFalse(SpillStore.complete(fresh, conf()));

            java.nio.file.Path old = tmp.resolve(f.label() + "-old");
            write(records(6, Precision.FP16, 0.25), old, cfg);
            assertThrows(Exception.class, () -> SpillStore.write(spark, failing, new Path(old.toUri()), layout, cfg));
            assertEquals(6, SpillStore.read(spark, new Path(old.toUri())).count(), "the old spill is untouched");
        }
    }

    @Test
    void aRecordThatDoesNotFitTheLayoutFailsTheWriteNamingIt(@TempDir java.nio.file.Path tmp) {
        List<SpillRecord> rs = new ArrayList<>(records(10, Precision.FP32, 0.25));
        rs.set(3, new SpillRecord("img-odd", 0, 0, new byte[16], new byte[7]));
        SpillConfig cfg = new SpillConfig(SpillFormat.BINARY, Precision.FP32, SpillCodec.NONE);
        Exception e = assertThrows(Exception.class, () -> write(rs, tmp.resolve("bad"), cfg));
        assertTrue(causes(e).contains("'img-odd' view 0 has 7 activation, 16 target and 0 label bytes"), causes(e));
        assertFalse(Files.exists(tmp.resolve("bad")));
        assertThrows(IllegalArgumentException.class, () -> SpillStore.write(spark, rdd(rs), new Path(tmp.resolve("x").toUri()),
                new SpillLayout(SHAPE, Precision.FP16, TARGET), cfg), "layout and config disagree on precision");
    }

    @Test
    void writingOverASpillReplacesIt(@TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path dir = tmp.resolve("spill");
        write(records(40, Precision.FP16, 0.25), dir, new SpillConfig(SpillFormat.BINARY, Precision.FP16, SpillCodec.SNAPPY));
        SpillStats again = write(records(10, Precision.FP32, 0.25), dir, new SpillConfig(SpillFormat.PARQUET, Precision.FP32, SpillCodec.NONE));
        assertEquals(10, again.records());
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            assertFalse(s.anyMatch(f -> f.getFileName().toString().endsWith(".bin")), "no part of the old spill left");
        }
        assertEquals(SpillFormat.PARQUET, SpillStore.meta(new Path(dir.toUri()), conf()).config().format());
        assertEquals(byKeyAndView(records(10, Precision.FP32, 0.25)),
                byKeyAndView(SpillStore.read(spark, new Path(dir.toUri())).collect()));
    }

    @Test
    void deleteRemovesTheSpillAndToleratesNone(@TempDir java.nio.file.Path tmp) {
        java.nio.file.Path dir = tmp.resolve("spill");
        write(records(8, Precision.FP16, 0.25), dir, new SpillConfig(SpillFormat.BINARY, Precision.FP16, SpillCodec.NONE));
        assertTrue(Files.exists(dir));
        SpillStore.delete(new Path(dir.toUri()), conf());
        assertFalse(Files.exists(dir));
        assertFalse(SpillStore.complete(new Path(dir.toUri()), conf()));
        SpillStore.delete(new Path(dir.toUri()), conf());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SpillFormat.class)
    void segmentationRecordsKeepTheirPixelsTrainIdsAndTheLayoutItsLabelShape(SpillFormat format, @TempDir java.nio.file.Path tmp) {
        SpillConfig cfg = new SpillConfig(format, Precision.FP16, SpillCodec.ZSTD);
        SpillLayout layout = new SpillLayout(SHAPE, Precision.FP16, TARGET, new int[]{4, 4});
        List<SpillRecord> written = new ArrayList<>();
        for (SpillRecord r : records(20, Precision.FP16, 0.25)) {
            byte[] ids = new byte[16];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = (byte) (j == 5 ? 255 : (r.label() + j) % 19); // 255: ignored
            }
            written.add(new SpillRecord(r.key(), r.label(), r.view(), r.target(), r.activation(), ids));
        }
        Path dir = new Path(tmp.resolve("seg").toUri());
        SpillStore.write(spark, rdd(written), dir, layout, cfg);
        assertEquals(layout, SpillStore.meta(dir, conf()).layout(), "the label shape survives _spill.json");
        assertEquals(byKeyAndView(written), byKeyAndView(SpillStore.read(spark, dir).collect()));
        assertEquals(20L * (200 + 16 + 16 + SpillStore.RECORD_OVERHEAD), SpillStore.estimateBytes(20, layout));

        List<SpillRecord> unlabelled = records(4, Precision.FP16, 0.25);
        Exception e = assertThrows(Exception.class, () -> SpillStore.write(spark, rdd(unlabelled), new Path(tmp.resolve("bad").toUri()),
                layout, cfg));
        assertTrue(causes(e).contains("200 activation, 16 target and 0 label bytes") && causes(e).contains("200, 16 and 16"), causes(e));
    }

    @Test
    void aBinaryPartOfTheFormatBeforePixelLabelsIsStillRead(@TempDir java.nio.file.Path tmp) throws IOException {
        // "IPS1": key, label, view, target, activation per record, no label field
        java.nio.file.Path part = tmp.resolve("part-00000.bin");
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(Files.newOutputStream(part))) {
            out.writeInt(0x49505331);
            out.writeByte(1);
            out.writeUTF("img-old");
            out.writeInt(7);
            out.writeInt(1);
            out.writeInt(2);
            out.write(new byte[]{9, 8});
            out.writeInt(3);
            out.write(new byte[]{1, 2, 3});
            out.writeByte(0);
        }
        java.util.Iterator<SpillRecord> it = BinaryParts.read(conf(), new Path(part.toUri()), SpillCodec.NONE);
        assertEquals(new SpillRecord("img-old", 7, 1, new byte[]{9, 8}, new byte[]{1, 2, 3}), it.next());
        assertFalse(it.hasNext());
    }

    @Test
    void aParquetSpillWrittenBeforePixelLabelsIsReadAsAClassificationSpill(@TempDir java.nio.file.Path tmp) throws IOException {
        SpillConfig cfg = new SpillConfig(SpillFormat.PARQUET, Precision.FP16, SpillCodec.SNAPPY);
        Path dir = new Path(tmp.resolve("old").toUri());
        List<SpillRecord> written = records(6, Precision.FP16, 0.25);
        SpillLayout layout = new SpillLayout(SHAPE, Precision.FP16, TARGET);
        SpillStore.write(spark, rdd(written), dir, layout, cfg);
        // the data files again without the "pixels" column, as spills were before it
        java.nio.file.Path legacy = tmp.resolve("legacy");
        spark.read().parquet(dir.toString()).drop("pixels").write().parquet(legacy.toString());
        SpillMeta meta = new SpillMeta(layout, cfg, new SpillStats(6, partBytes(legacy), (int) partFiles(legacy)));
        org.infopro.data.io.Fs.writeStringAtomically(new Path(legacy.toUri().toString(), SpillStore.META),
                org.infopro.data.io.Json.pretty(meta), conf());
        assertEquals(byKeyAndView(written), byKeyAndView(SpillStore.read(spark, new Path(legacy.toUri())).collect()));
    }

    @Test
    void partialReadsOfBinaryPartsWork(@TempDir java.nio.file.Path tmp) {
        java.nio.file.Path dir = tmp.resolve("spill");
        write(records(40, Precision.FP16, 0.25), dir, new SpillConfig(SpillFormat.BINARY, Precision.FP16, SpillCodec.ZSTD));
        assertEquals(3, SpillStore.read(spark, new Path(dir.toUri())).take(3).size(), "an unfinished part closes with its task");
        assertEquals(3, SpillStore.read(spark, new Path(dir.toUri())).getNumPartitions(), "one partition per part file");
    }

    @Test
    void estimateCountsActivationTargetAndOverhead() {
        SpillLayout fp16 = new SpillLayout(SHAPE, Precision.FP16, TARGET);
        assertEquals(100, fp16.values());
        assertEquals(200, fp16.activationBytes());
        assertEquals(40L * (200 + 16 + SpillStore.RECORD_OVERHEAD), SpillStore.estimateBytes(40, fp16));
        assertEquals(1000L * (400 + SpillStore.RECORD_OVERHEAD),
                SpillStore.estimateBytes(1000, new SpillLayout(SHAPE, Precision.FP32, new int[0])));
        assertThrows(IllegalArgumentException.class, () -> new SpillLayout(new int[]{4, 0, 5}, Precision.FP16, TARGET));
    }

    static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" <- ");
        }
        return sb.toString();
    }
}
