package org.infopro.data.prep;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.shard.ShardWriter;
import org.infopro.data.testing.ImageFixtures;
import org.infopro.data.testing.LayoutFixtures;
import org.infopro.data.testing.SmallSetFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePrepJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("ImagePrepJobTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static ImagePrepConfig config(ImageDataset ds, Path in, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--progress-seconds", "0"));
        args.addAll(List.of(extra));
        return ImagePrepConfig.fromArgs(ds, args.toArray(String[]::new));
    }

    static Map<String, Row> rowsByKey(Path ds, String split) {
        return spark.read().parquet(ds.resolve(split).toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r));
    }

    static Map<String, JsonNode> quarantineByKey(Path ds) throws Exception {
        Map<String, JsonNode> m = new HashMap<>();
        for (String line : Files.readAllLines(ds.resolve(ImagePrepJob.QUARANTINE_FILE))) {
            JsonNode n = Json.mapper().readTree(line);
            m.put(n.get("key").asText(), n);
        }
        return m;
    }

    /** An ImageNet tree with one of each real-world oddity in class n01443537 (index 1) and bad files. */
    static void oddImagenet(Path root) {
        LayoutFixtures.imagenetLoc(root, 3, 6);
        Path cls = root.resolve("train").resolve("n01443537");
        RgbImage marked = ImageFixtures.paint(ImageFixtures.solid(40, 20, 250, 250, 250), 0, 0, 8, new int[]{0, 0, 0});
        byte[] cmykInk = new byte[24 * 16 * 4];
        for (int i = 0; i < cmykInk.length; i += 4) {
            cmykInk[i] = (byte) 255; // cyan ink only: RGB ~ (0, 255, 255)
        }
        ImageFixtures.write(cls, "gray.JPEG", ImageFixtures.jpeg(ImageFixtures.gray(32, 24, (x, y) -> 100), 95));
        ImageFixtures.write(cls, "cmyk.JPEG", ImageFixtures.cmykJpeg(24, 16, cmykInk, true, 95));
        ImageFixtures.write(cls, "ycck.JPEG", ImageFixtures.ycckJpeg(24, 16, cmykInk, 95));
        ImageFixtures.write(cls, "png_named_jpeg.JPEG", ImageFixtures.png(ImageFixtures.solid(20, 10, 10, 20, 30)));
        ImageFixtures.write(cls, "sixteen_bit.JPEG", ImageFixtures.png16(2, 1, 3, new int[]{65535, 0, 32896, 0, 65535, 257}));
        ImageFixtures.write(cls, "rotated.JPEG", ImageFixtures.withExifOrientation(ImageFixtures.jpeg(marked, 95), 6, true));
        ImageFixtures.write(cls, "truncated.JPEG", ImageFixtures.truncated(ImageFixtures.jpeg(ImageFixtures.photoLike(64, 48, 3), 90), 0.6));
        ImageFixtures.write(cls, "empty.JPEG", new byte[0]);
        ImageFixtures.write(cls, "listing.JPEG", ImageFixtures.text());
        ImageFixtures.write(cls, "bomb.JPEG", ImageFixtures.jpegDeclaring(60_000, 60_000));
        ImageFixtures.write(cls, "bomb_png.JPEG", ImageFixtures.pngDeclaring(100_000, 100_000));
        ImageFixtures.write(root.resolve("train").resolve("n99999999"), "n99999999_1.JPEG",
                ImageFixtures.jpeg(ImageFixtures.solid(30, 30, 1, 2, 3), 90));
        // a validation image that LOC_val_solution.csv does not list
        ImageFixtures.write(root.resolve("val"), "ILSVRC2012_val_00000099.JPEG", ImageFixtures.jpeg(ImageFixtures.solid(30, 30, 9, 9, 9), 90));
    }

    @Test
    void imagenetOddFilesAreConvertedOrQuarantinedAndEveryInputIsAccountedFor(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("ilsvrc");
        oddImagenet(in);
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, out, "--max-megapixels", "50"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        // train: 3 classes x 3 good + 11 odd files in n01443537 + 1 under an unknown wnid
        assertEquals(21L, r.inputsPerSplit().get("train"));
        assertEquals(7L, r.inputsPerSplit().get("val"));
        Map<String, JsonNode> q = quarantineByKey(out);
        Map<String, String> reasons = q.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get("reason").asText()));
        assertEquals(Map.of(
                "train/n01443537/truncated", "truncated",
                "train/n01443537/empty", "empty-file",
                "train/n01443537/listing", "not-an-image",
                "train/n01443537/bomb", "too-many-pixels",
                "train/n01443537/bomb_png", "too-many-pixels",
                "train/n99999999/n99999999_1", "unknown-class",
                "val/ILSVRC2012_val_00000099", "unknown-class"), reasons);
        assertEquals("header", q.get("train/n01443537/bomb").get("stage").asText());
        assertTrue(q.get("train/n01443537/empty").get("path").asText().endsWith("empty.JPEG"));
        for (String split : List.of("train", "val")) {
            assertEquals(r.inputsPerSplit().get(split), r.rowsPerSplit().get(split) + r.quarantinedPerSplit().get(split), split);
        }
        assertEquals(15L, r.rowsPerSplit().get("train"));
        assertEquals(6L, r.rowsPerSplit().get("val"));

        DatasetManifest m = DatasetManifest.read(out.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(ShardSchema.VERSION, m.schemaVersion());
        assertEquals(LayoutFixtures.WNIDS, m.labelMap().stream().map(DatasetManifest.LabelEntry::id).toList());
        assertEquals("goldfish, Carassius auratus", m.labelMap().get(1).name());
        assertArrayEquals(new long[]{3, 9, 3}, m.split("train").classCounts());
        assertArrayEquals(new long[]{2, 2, 2}, m.split("val").classCounts());
        assertEquals(7, m.quarantine().total());
        assertEquals(Map.of("train", 7L, "val", 1L).get("val"), m.quarantine().bySplit().get("val"));
        assertEquals(ShardSchema.ENCODING_MIXED, m.image().encoding());
        assertEquals(0, m.image().height(), "images differ in size");

        Map<String, Row> train = rowsByKey(out, "train");
        assertEquals(1, train.get("train/n01443537/gray").getInt(2));
        assertEquals(0, train.get("train/n01440764/n01440764_1").getInt(2));
        // every stored image is upright RGB whatever the input was
        RgbImage gray = decode(train.get("train/n01443537/gray"));
        assertEquals(3, gray.channels());
        assertEquals(100, gray.sample(5, 5, 0), 2);
        assertEquals(gray.sample(5, 5, 0), gray.sample(5, 5, 2));
        for (String k : List.of("cmyk", "ycck")) {
            RgbImage c = decode(train.get("train/n01443537/" + k));
            assertTrue(c.sample(10, 8, 0) < 40 && c.sample(10, 8, 1) > 215 && c.sample(10, 8, 2) > 215,
                    k + ": cyan ink should be RGB ~(0,255,255), got " + c.sample(10, 8, 0) + "," + c.sample(10, 8, 1) + "," + c.sample(10, 8, 2));
        }
        Row png = train.get("train/n01443537/png_named_jpeg");
        assertEquals(ShardSchema.ENCODING_PNG, png.getString(9));
        assertEquals(30, decode(png).sample(3, 3, 2));
        RgbImage sixteen = decode(train.get("train/n01443537/sixteen_bit"));
        assertEquals(List.of(255, 0, 128, 0, 255, 1), List.of(sixteen.sample(0, 0, 0), sixteen.sample(0, 0, 1),
                sixteen.sample(0, 0, 2), sixteen.sample(1, 0, 0), sixteen.sample(1, 0, 1), sixteen.sample(1, 0, 2)));
        // orientation 6 = rotate 90° clockwise: the 40x20 frame becomes 20x40, the top-left mark goes top-right
        Row rot = train.get("train/n01443537/rotated");
        assertEquals(20, rot.getInt(5));
        assertEquals(40, rot.getInt(4));
        RgbImage upright = decode(rot);
        assertTrue(upright.sample(17, 2, 0) < 60 && upright.sample(2, 2, 0) > 200, "mark not at the top right");
        // plain RGB JPEGs are kept byte for byte
        byte[] original = Files.readAllBytes(in.resolve("train/n01440764/n01440764_1.JPEG"));
        assertArrayEquals(original, (byte[]) train.get("train/n01440764/n01440764_1").get(3));
        assertTrue(train.get("train/n01443537/gray").getString(12).endsWith("gray.JPEG"), "source column");
    }

    static RgbImage decode(Row r) throws Exception {
        return ImageCodec.decodeRgb((byte[]) r.get(3), Long.MAX_VALUE);
    }

    @Test
    void devkitValidationLabelsGoThroughWnidsNotTheDevkitOrder(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("ilsvrc");
        SmallSetFixtures.devkit(in);
        List<String> sorted = SmallSetFixtures.DEVKIT_WNIDS.stream().sorted().toList();
        for (String wnid : sorted) {
            int[] c = LayoutFixtures.classColour(sorted.indexOf(wnid));
            LayoutFixtures.write(in.resolve("train").resolve(wnid).resolve(wnid + "_1.JPEG"),
                    ImageFixtures.jpeg(ImageFixtures.solid(40, 30, c[0], c[1], c[2]), 90));
        }
        List<Integer> expected = new java.util.ArrayList<>();
        for (int i = 0; i < SmallSetFixtures.DEVKIT_VAL_IDS.size(); i++) {
            String wnid = SmallSetFixtures.DEVKIT_WNIDS.get(SmallSetFixtures.DEVKIT_VAL_IDS.get(i) - 1);
            int k = sorted.indexOf(wnid);
            expected.add(k);
            int[] c = LayoutFixtures.classColour(k);
            LayoutFixtures.write(in.resolve("val").resolve(String.format("ILSVRC2012_val_%08d.JPEG", i + 1)),
                    ImageFixtures.jpeg(ImageFixtures.solid(36, 48, c[0], c[1], c[2]), 90));
        }
        assertFalse(expected.equals(SmallSetFixtures.DEVKIT_VAL_IDS.stream().map(id -> id - 1).toList()),
                "the fixture must make devkit id - 1 differ from the sorted-wnid index");
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, out, "--storage", "raw"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        Map<String, Row> val = rowsByKey(out, "val");
        for (int i = 0; i < expected.size(); i++) {
            Row row = val.get(String.format("val/ILSVRC2012_val_%08d", i + 1));
            assertEquals(expected.get(i), row.getInt(2), "val image " + (i + 1) + ": label must be the sorted-wnid index");
            int[] c = LayoutFixtures.classColour(expected.get(i));
            byte[] px = (byte[]) row.get(3);
            assertEquals(ShardSchema.ENCODING_RAW, row.getString(9));
            assertEquals(36 * 48 * 3, px.length);
            assertEquals(c[0], px[0] & 0xff, 12);
        }
        DatasetManifest m = DatasetManifest.read(out.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(sorted, m.labelMap().stream().map(DatasetManifest.LabelEntry::id).toList());
        assertEquals(SmallSetFixtures.words(sorted.get(0)), m.labelMap().get(0).name());
    }

    @Test
    void cityscapesMasksMapToTrainIdsAndBadPairsAreQuarantined(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("cityscapes");
        RgbImage img = ImageFixtures.photoLike(64, 32, 7);
        LayoutFixtures.cityscapesFrame(in, "train", "aachen", 0, 19, img, LayoutFixtures.labelIds(64, 32, 7, 26));
        LayoutFixtures.cityscapesFrame(in, "train", "aachen", 1, 19, img, LayoutFixtures.labelIds(64, 32, 40, 33));
        LayoutFixtures.cityscapesFrame(in, "train", "bochum", 0, 19, img, LayoutFixtures.labelIds(32, 16, 7, 7));
        LayoutFixtures.cityscapesFrame(in, "train", "bochum", 1, 19, img, null);
        LayoutFixtures.write(in.resolve("leftImg8bit/train/bochum/notes.txt"), "x".getBytes());
        LayoutFixtures.cityscapesFrame(in, "val", "frankfurt", 0, 294, img, LayoutFixtures.labelIds(64, 32, 24, 9));
        LayoutFixtures.cityscapesFrame(in, "test", "berlin", 0, 19, img, LayoutFixtures.labelIds(64, 32, 1, 1));
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(config(ImageDataset.CITYSCAPES, in, out, "--splits", "train,val,test"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        assertEquals(Map.of("train", 5L, "val", 1L, "test", 1L), r.inputsPerSplit());
        Map<String, String> reasons = quarantineByKey(out).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get("reason").asText()));
        assertEquals(Map.of("train/bochum_000000_000019", "mask-size-mismatch",
                "train/bochum_000001_000019", "mask-missing",
                "train/bochum/notes.txt", "unexpected-name"), reasons);

        Map<String, Row> train = rowsByKey(out, "train");
        Row a = train.get("train/aachen_000000_000019");
        assertEquals("aachen", a.getString(13));
        assertEquals("000000_000019", a.getString(14));
        assertEquals(ShardSchema.NO_LABEL, a.getInt(2));
        byte[] mask = ImageCodec.decodeGray((byte[]) a.get(10), Long.MAX_VALUE).pixels();
        assertEquals(0, mask[0] & 0xff, "road (7) -> 0");
        assertEquals(13, mask[63] & 0xff, "car (26) -> 13");
        assertEquals(255, mask[31 * 64] & 0xff, "ego vehicle (1) -> ignore");
        byte[] unknown = ImageCodec.decodeGray((byte[]) train.get("train/aachen_000001_000019").get(10), Long.MAX_VALUE).pixels();
        assertEquals(255, unknown[0] & 0xff, "id 40 is no Cityscapes id -> ignore");
        assertEquals(18, unknown[63] & 0xff, "bicycle (33) -> 18");
        // the image is the PNG as it was (8-bit RGB): kept byte for byte
        assertArrayEquals(Files.readAllBytes(in.resolve("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png")),
                (byte[]) a.get(3));
        Row test = rowsByKey(out, "test").get("test/berlin_000000_000019");
        assertTrue(test.isNullAt(10), "test-split masks are not labels");

        DatasetManifest m = DatasetManifest.read(out.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(19, m.mask().classNames().size());
        assertEquals(255, m.mask().ignoreIndex());
        assertEquals(32L * 31, m.mask().unknownIdPixels().get("train"), "the left half of one frame, above the ego row");
        assertEquals(0L, m.mask().unknownIdPixels().get("val"));
        assertEquals(64, m.image().width());
    }

    @Test
    void resizeKeepsAspectMasksStayExactAndCropIsCentred(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("cityscapes");
        LayoutFixtures.cityscapesFrame(in, "train", "ulm", 0, 19, ImageFixtures.photoLike(96, 48, 1),
                LayoutFixtures.labelIds(96, 48, 11, 21));
        Path out = tmp.resolve("ds");
        ImagePrepResult r = ImagePrepJob.run(config(ImageDataset.CITYSCAPES, in, out, "--splits", "train", "--resize", "20",
                "--storage", "raw"), spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        Row row = rowsByKey(out, "train").get("train/ulm_000000_000019");
        assertEquals(20, row.getInt(4));
        assertEquals(40, row.getInt(5));
        byte[] mask = (byte[]) row.get(10);
        Set<Integer> values = new HashSet<>();
        for (byte b : mask) {
            values.add(b & 0xff);
        }
        assertTrue(Set.of(2, 8, 255).containsAll(values) && values.containsAll(Set.of(2, 8)),
                "nearest neighbour copies values, never blends them: " + values);
        assertEquals(20 * 40, mask.length);

        Path im = tmp.resolve("ilsvrc");
        LayoutFixtures.imagenetLoc(im, 1, 3);
        Path crop = tmp.resolve("crop");
        ImagePrepResult c = ImagePrepJob.run(config(ImageDataset.IMAGENET, im, crop, "--resize", "32", "--center-crop", "24",
                "--splits", "val"), spark);
        assertEquals(Status.OK, c.status(), String.valueOf(c.error()));
        DatasetManifest m = DatasetManifest.read(crop.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(24, m.image().height());
        assertEquals(24, m.image().width());
        assertEquals(ShardSchema.ENCODING_JPEG, m.image().encoding());
    }

    @Test
    void sameSeedGivesIdenticalShardsAndShardSizeSetsTheCount(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("ilsvrc");
        LayoutFixtures.imagenetLoc(in, 12, 0);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        String[] opts = {"--splits", "train", "--storage", "raw", "--shard-mb", "0.01", "--compression", "none", "--seed", "5"};
        ImagePrepResult ra = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, a, opts), spark);
        ImagePrepResult rb = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, b, opts), spark);
        DatasetManifest ma = DatasetManifest.read(a.toString(), spark.sparkContext().hadoopConfiguration());
        DatasetManifest mb = DatasetManifest.read(b.toString(), spark.sparkContext().hadoopConfiguration());
        // 36 raw images of about 40x30x3 = 3.6 KB each, about 130 KB in all, in 10 KB shards
        long bytes = 0;
        for (Row row : spark.read().parquet(a.resolve("train").toString()).collectAsList()) {
            bytes += ((byte[]) row.get(3)).length;
        }
        assertTrue(ma.split("train").shards().size() >= bytes / (10L << 10) - 1, "shards: " + ma.split("train").shards().size());
        assertEquals(ra.shardFiles(), ma.split("train").shards().size());
        assertEquals(ma.split("train").shards(), mb.split("train").shards(), "same input + seed -> byte-identical shards");
        assertEquals(ShardWriter.ASSIGNMENT, ma.sharding().assignment());
        assertEquals(5, ma.sharding().seed());
        assertNotNull(ma.channelStats());
        assertEquals(3, ma.channelStats().mean().length);
    }

    @Test
    void existingOutputIsKeptOrRefusedAndResultJsonIsWritten(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("ilsvrc");
        LayoutFixtures.imagenetLoc(in, 1, 0);
        Path out = tmp.resolve("ds");
        ImagePrepResult first = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, out, "--splits", "train"), spark);
        assertEquals(Status.OK, first.status());
        JsonNode res = Json.mapper().readTree(Files.readString(tmp.resolve("ds.result.json")));
        assertEquals("ok", res.get("status").asText());
        assertEquals(3, res.get("rows_per_split").get("train").asInt());
        ImagePrepResult skip = ImagePrepJob.run(config(ImageDataset.IMAGENET, in, out, "--splits", "train", "--if-exists", "skip-ok"), spark);
        assertEquals(Status.SKIPPED, skip.status());
        assertThrows(ConfigException.class, () -> ImagePrepJob.run(config(ImageDataset.IMAGENET, in, out, "--splits", "train"), spark));
        JsonNode refused = Json.mapper().readTree(Files.readString(tmp.resolve("ds.result.json")));
        assertEquals("invalid", refused.get("status").asText(), "a refused input is invalid, not a failed run");
        assertTrue(refused.get("error").asText().contains("already exists"));
        assertTrue(Files.exists(out.resolve(DatasetManifest.FILE_NAME)), "the refused run left the old dataset alone");
        try (var s = Files.list(tmp)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains("staging")), "no staging folder left behind");
        }
    }

    @Test
    void badOptionsNameTheValueAndTheFix(@TempDir Path tmp) {
        ConfigException e = assertThrows(ConfigException.class, () -> config(ImageDataset.CITYSCAPES, tmp, tmp.resolve("o"),
                "--splits", "train,extra"));
        assertEquals("prep-cityscapes: invalid --splits 'train,extra': expected a comma-separated list of some of train, val, test.",
                e.getMessage());
        ConfigException crop = assertThrows(ConfigException.class, () -> config(ImageDataset.IMAGENET, tmp, tmp.resolve("o"),
                "--resize", "64", "--center-crop", "128"));
        assertTrue(crop.getMessage().contains("--center-crop 128 is larger than --resize 64"), crop.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> ImagePrepJob.run(
                config(ImageDataset.CITYSCAPES, tmp.resolve("nothing"), tmp.resolve("o")), spark));
        assertTrue(missing.getMessage().contains("leftImg8bit"), missing.getMessage());
    }
}
