package org.infopro.data.rehearsal;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.AtomicOutput;
import org.infopro.data.io.Status;
import org.infopro.data.prep.CityscapesLabels;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.data.prep.ImagePrepResult;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * make-cityscapes on real files: real Fashion-MNIST when submit/fetch-fashion-mnist.sh has cached it, else generated
 * IDX files in the same format. One small tree (256x128 frames, garments of 32..64 px, 4 train + 2 val frames in two
 * cities per split) is made once and checked against the Cityscapes naming, the Cityscapes label table and
 * prep-cityscapes itself.
 */
class MakeCityscapesJobTest {
    private static final int W = 256;
    private static final int H = 128;
    private static final long SEED = 7;
    private static final String[] SMALL = {"--width", "256", "--height", "128", "--min-size", "32", "--max-size", "64",
            "--train-frames", "4", "--val-frames", "2", "--cities", "2", "--garments", "20", "--seed", String.valueOf(SEED)};

    private static SparkSession spark;
    @TempDir
    static Path shared;
    private static Path in;
    private static Path tree;
    private static MakeCityscapesResult made;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("MakeCityscapesJobTest");
        in = IdxFixtures.fashionMnistOrGenerated(shared, 500, 100);
        tree = shared.resolve("cityscapes");
        made = MakeCityscapesJob.run(config(in, tree, SMALL));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static MakeCityscapesConfig config(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(), "--progress-seconds", "0",
                "--threads", "2"));
        args.addAll(List.of(extra));
        return MakeCityscapesConfig.fromArgs(args.toArray(String[]::new));
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file under {@code root} by its relative path, with its bytes. */
    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static Path image(String split, String city, int seq) {
        return tree.resolve("leftImg8bit").resolve(split).resolve(city).resolve(MakeCityscapesJob.stem(city, seq) + "_leftImg8bit.png");
    }

    private static Path mask(String split, String city, int seq) {
        return tree.resolve("gtFine").resolve(split).resolve(city).resolve(MakeCityscapesJob.stem(city, seq) + "_gtFine_labelIds.png");
    }

    /** The PNG's IHDR bit depth and colour type (0 gray, 2 RGB). */
    private static int[] pngDepthAndColourType(byte[] png) {
        return new int[]{png[24] & 0xff, png[25] & 0xff};
    }

    @Test
    void theTreeHasCityscapesNamesInBothSplitsWithDistinctCitiesAndPrepCityscapesReadsEveryFrame() throws Exception {
        assertEquals(Status.OK, made.status());
        assertEquals(6, made.frames());
        assertEquals(Map.of("train", List.of("aachen", "bochum"), "val", List.of("frankfurt", "lindau")), made.citiesPerSplit());
        assertEquals(List.of(MakeCityscapesJob.PROVENANCE, AtomicOutput.STAMP, "gtFine", "leftImg8bit"), names(tree));
        for (String type : List.of("leftImg8bit", "gtFine")) {
            assertEquals(List.of("train", "val"), names(tree.resolve(type)));
            assertEquals(List.of("aachen", "bochum"), names(tree.resolve(type).resolve("train")));
            assertEquals(List.of("frankfurt", "lindau"), names(tree.resolve(type).resolve("val")));
        }
        // frame i goes to city i mod 2 as sequence i / 2, always frame 000019, as real Cityscapes names its annotated frames
        assertEquals(List.of("aachen_000000_000019_leftImg8bit.png", "aachen_000001_000019_leftImg8bit.png"),
                names(tree.resolve("leftImg8bit/train/aachen")));
        assertEquals(List.of("bochum_000000_000019_gtFine_labelIds.png", "bochum_000001_000019_gtFine_labelIds.png"),
                names(tree.resolve("gtFine/train/bochum")));
        assertEquals(List.of("lindau_000000_000019_leftImg8bit.png"), names(tree.resolve("leftImg8bit/val/lindau")));
        assertEquals(List.of("lindau_000000_000019_gtFine_labelIds.png"), names(tree.resolve("gtFine/val/lindau")));
        byte[] png = Files.readAllBytes(image("train", "aachen", 0));
        byte[] ids = Files.readAllBytes(mask("train", "aachen", 0));
        assertArrayEquals(new int[]{8, 2}, pngDepthAndColourType(png), "8-bit RGB");
        assertArrayEquals(new int[]{8, 0}, pngDepthAndColourType(ids), "8-bit gray");
        RgbImage decoded = ImageCodec.decodeRgb(png, Long.MAX_VALUE);
        assertEquals(W, decoded.width());
        assertEquals(H, decoded.height());
        assertTrue(names(shared).stream().noneMatch(n -> n.startsWith(".")), "no staging folder left: " + names(shared));
        assertTrue(files(tree).keySet().stream().noneMatch(n -> n.endsWith(".crc")));
        assertTrue(Files.readString(tree.resolve(MakeCityscapesJob.PROVENANCE)).contains("\"sha256\""));

        // prep-cityscapes finds every frame with its mask, quarantines nothing and sees no unknown id
        Path ds = shared.resolve("ds");
        ImagePrepResult prep = ImagePrepJob.run(ImagePrepConfig.fromArgs(ImageDataset.CITYSCAPES, new String[]{
                "--input", tree.toString(), "--output", ds.toString(), "--progress-seconds", "0"}), spark);
        assertEquals(Status.OK, prep.status(), String.valueOf(prep.error()));
        assertEquals(Map.of("train", 4L, "val", 2L), prep.rowsPerSplit());
        DatasetManifest m = DatasetManifest.read(ds.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(0, m.split("train").quarantined() + m.split("val").quarantined());
        assertEquals(Map.of("train", 0L, "val", 0L), m.mask().unknownIdPixels());
        Row row = spark.read().parquet(ds.resolve("train").toString())
                .where(ShardSchema.KEY + " = 'train/aachen_000000_000019'").collectAsList().get(0);
        assertEquals("aachen", (String) row.getAs(ShardSchema.CITY));
        assertArrayEquals(png, (byte[]) row.getAs(ShardSchema.IMAGE), "an 8-bit RGB PNG is stored as it is");
        byte[] expected = ImageCodec.decodeGray(ids, Long.MAX_VALUE).pixels();
        CityscapesLabels.toTrainIds(expected);
        assertArrayEquals(expected, ImageCodec.decodeGray((byte[]) row.getAs(ShardSchema.MASK), Long.MAX_VALUE).pixels(),
                "the stored mask is the labelIds mask through the standard mapping");
    }

    @Test
    void everyMaskPixelMapsToTrainIdsZeroToTenAndTheBackgroundAndEveryGarmentClassOccur() throws Exception {
        // the job's table agrees with Cityscapes' own: label id -> train id, and the train id's name
        for (MakeCityscapesJob.ClassEntry c : made.classes()) {
            assertEquals(c.trainId(), CityscapesLabels.trainId(c.labelId()), "label id " + c.labelId());
            assertEquals(CityscapesLabels.TRAIN_NAMES.get(c.trainId()), c.cityscapesName());
        }
        assertEquals(11, made.classes().size());
        assertEquals("background", made.classes().get(0).shows());
        assertEquals("9 Ankle boot", made.classes().get(10).shows());

        long[][] pixels = new long[2][11];
        int frames = 0;
        for (int s = 0; s < 2; s++) {
            String split = s == 0 ? "train" : "val";
            for (String city : made.citiesPerSplit().get(split)) {
                for (String name : names(tree.resolve("gtFine").resolve(split).resolve(city))) {
                    frames++;
                    for (byte b : ImageCodec.decodeGray(Files.readAllBytes(tree.resolve("gtFine").resolve(split).resolve(city)
                            .resolve(name)), Long.MAX_VALUE).pixels()) {
                        int t = CityscapesLabels.trainId(b & 0xff);
                        assertTrue(t <= 10, name + " holds label id " + (b & 0xff) + " -> train id " + t);
                        pixels[s][t]++;
                    }
                }
            }
        }
        assertEquals(6, frames);
        for (int t = 0; t <= 10; t++) {
            MakeCityscapesJob.ClassEntry c = made.classes().get(t);
            assertTrue(pixels[0][t] > 0, "train id " + t + " (" + c.shows() + ") occurs in train");
            assertEquals(pixels[0][t], c.pixels().get("train"), "train pixels of train id " + t);
            assertEquals(pixels[1][t], c.pixels().get("val"), "val pixels of train id " + t);
            if (t > 0) {
                // 10..30 garments per frame cycle through the ten classes, so each is pasted in each frame
                assertTrue(c.garments().get("train") >= 4 && c.garments().get("val") >= 2, c.toString());
            }
        }
        long all = Arrays.stream(pixels[0]).sum();
        assertEquals(4L * W * H, all);
        double background = (double) pixels[0][0] / all;
        assertTrue(background > 0.2 && background < 0.9, "background share " + background);
    }

    @Test
    void garmentLabelsCoverExactlyThePixelsThatDifferFromTheRegeneratedBackground() throws Exception {
        for (int seq = 0; seq < 2; seq++) {
            int frameIndex = 2 * seq + 1; // bochum holds the odd train frames
            RgbImage rgb = ImageCodec.decodeRgb(Files.readAllBytes(image("train", "bochum", seq)), Long.MAX_VALUE);
            byte[] ids = ImageCodec.decodeGray(Files.readAllBytes(mask("train", "bochum", seq)), Long.MAX_VALUE).pixels();
            RgbImage bg = MakeCityscapesJob.background(W, H, new Random(MakeCityscapesJob.frameSeed(SEED, 0, frameIndex)));
            long garment = 0;
            long changed = 0;
            Set<Integer> bgValues = new HashSet<>();
            for (int p = 0; p < W * H; p++) {
                boolean same = rgb.sample(p % W, p / W, 0) == bg.sample(p % W, p / W, 0)
                        && rgb.sample(p % W, p / W, 1) == bg.sample(p % W, p / W, 1)
                        && rgb.sample(p % W, p / W, 2) == bg.sample(p % W, p / W, 2);
                if (ids[p] == 7) {
                    assertTrue(same, "background pixel " + p + " keeps the texture, also inside a pasted square");
                    bgValues.add(bg.sample(p % W, p / W, 0));
                } else {
                    garment++;
                    changed += same ? 0 : 1;
                }
            }
            assertTrue(garment > W * H / 10, "garment pixels: " + garment);
            assertTrue(changed > 0.98 * garment, changed + " of " + garment + " garment pixels differ from the background");
            assertTrue(bgValues.size() > 20, "the background is textured, not flat: " + bgValues.size() + " red values");
        }
    }

    @Test
    void pasteLabelsOnlyPixelsAtTheThresholdOrAboveTintsThemAndTheLastGarmentOwnsAnOverlap() {
        // a 4x2 frame of gray 100 labelled road (7); a 2x2 garment with values 0, 25 (dark) and 26, 255 (garment)
        byte[] rgb = new byte[4 * 2 * 3];
        Arrays.fill(rgb, (byte) 100);
        byte[] mask = new byte[4 * 2];
        Arrays.fill(mask, (byte) 7);
        RgbImage garment = new RgbImage(2, 2, 1, new byte[]{0, 25, 26, (byte) 255});
        MakeCityscapesJob.paste(rgb, mask, 4, garment, 1, 0, new int[]{255, 128, 0}, 8);
        assertArrayEquals(new byte[]{7, 7, 7, 7, 7, 8, 8, 7}, mask);
        // (x 1, y 1) has gray 26: round(26 * tint / 255); (x 2, y 1) has 255: the tint itself
        assertArrayEquals(new int[]{26, 13, 0}, rgbAt(rgb, 4, 1, 1));
        assertArrayEquals(new int[]{255, 128, 0}, rgbAt(rgb, 4, 2, 1));
        assertArrayEquals(new int[]{100, 100, 100}, rgbAt(rgb, 4, 2, 0), "a dark garment pixel keeps the background");
        // a second garment over the first: its garment pixels take over, its dark ones leave the first one's in place
        MakeCityscapesJob.paste(rgb, mask, 4, new RgbImage(2, 2, 1, new byte[]{0, 0, (byte) 255, 0}), 2, 0,
                new int[]{0, 0, 255}, 23);
        assertArrayEquals(new byte[]{7, 7, 7, 7, 7, 8, 23, 7}, mask);
        assertArrayEquals(new int[]{0, 0, 255}, rgbAt(rgb, 4, 2, 1));
        assertArrayEquals(new int[]{26, 13, 0}, rgbAt(rgb, 4, 1, 1));
    }

    private static int[] rgbAt(byte[] rgb, int w, int x, int y) {
        int p = 3 * (y * w + x);
        return new int[]{rgb[p] & 0xff, rgb[p + 1] & 0xff, rgb[p + 2] & 0xff};
    }

    @Test
    void theSameSeedGivesByteIdenticalPngsWhateverTheThreadCountAndAnotherSeedDoesNot(@TempDir Path tmp) throws Exception {
        Path again = tmp.resolve("again");
        MakeCityscapesJob.run(config(in, again, withThreads(SMALL, "1")));
        Map<String, byte[]> a = files(tree);
        Map<String, byte[]> b = files(again);
        a.remove(MakeCityscapesJob.PROVENANCE); // it records the time of the run
        b.remove(MakeCityscapesJob.PROVENANCE);
        a.remove(AtomicOutput.STAMP); // so does the stamp, with the output folder in its config
        b.remove(AtomicOutput.STAMP);
        assertEquals(a.keySet(), b.keySet());
        assertEquals(12, a.size());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name), b.get(name), name);
        }
        Path other = tmp.resolve("other");
        List<String> args = new ArrayList<>(List.of(SMALL));
        args.set(args.indexOf("--seed") + 1, "8");
        MakeCityscapesJob.run(config(in, other, args.toArray(String[]::new)));
        Map<String, byte[]> c = files(other);
        String first = "leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png";
        assertFalse(Arrays.equals(a.get(first), c.get(first)), "another seed, another frame");
        // frames of one run differ from each other too
        assertNotEquals(Arrays.toString(a.get(first)),
                Arrays.toString(a.get("leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png")));
    }

    private static String[] withThreads(String[] args, String threads) {
        List<String> out = new ArrayList<>(List.of(args));
        Collections.addAll(out, "--threads", threads);
        return out.toArray(String[]::new);
    }

    @Test
    void badOptionsAreRefusedBeforeAnyOutputNamingTheValueAndTheFix(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        ConfigException range = assertThrows(ConfigException.class, () -> config(in, out, "--min-size", "300", "--max-size", "200"));
        assertEquals("make-cityscapes: --min-size 300 is larger than --max-size 200; give a range such as --min-size 200 "
                + "--max-size 300.", range.getMessage());
        ConfigException big = assertThrows(ConfigException.class, () -> config(in, out, "--height", "200"));
        assertEquals("make-cityscapes: --max-size 256 does not fit a 2048x200 frame; use --max-size 200 or less, or a larger "
                + "--width/--height.", big.getMessage());
        ConfigException none = assertThrows(ConfigException.class, () -> config(in, out, "--val-frames", "0"));
        assertEquals("make-cityscapes: invalid --val-frames '0': expected an integer in [1, 1000000].", none.getMessage());
        ConfigException few = assertThrows(ConfigException.class, () -> config(in, out, "--train-frames", "2"));
        assertEquals("make-cityscapes: --train-frames 2 is fewer than --cities 3: every city folder needs a frame; raise "
                + "--train-frames to 3 or lower --cities to 2.", few.getMessage());
        ConfigException cities = assertThrows(ConfigException.class, () -> config(in, out, "--cities", "10"));
        assertEquals("make-cityscapes: invalid --cities '10': expected an integer in [1, 9].", cities.getMessage());
        ConfigException mode = assertThrows(ConfigException.class, () -> config(in, out, "--if-exists", "replace"));
        assertEquals("make-cityscapes: invalid --if-exists 'replace': expected one of error, overwrite, skip-ok.", mode.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ConfigException missing = assertThrows(ConfigException.class, () -> MakeCityscapesJob.run(config(empty, out)));
        assertTrue(missing.getMessage().contains("no train-images-idx3-ubyte or train-images-idx3-ubyte.gz there")
                && missing.getMessage().contains("submit/fetch-fashion-mnist.sh"), missing.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of("empty"), names(tmp), "no staging folder is left behind");

        // an existing tree is refused, kept or replaced, as --if-exists says
        String[] tiny = {"--width", "64", "--height", "64", "--min-size", "16", "--max-size", "32", "--train-frames", "1",
                "--val-frames", "1", "--cities", "1", "--garments", "3"};
        MakeCityscapesJob.run(config(in, out, tiny));
        assertThrows(ConfigException.class, () -> MakeCityscapesJob.run(config(in, out, tiny)));
        List<String> skip = new ArrayList<>(List.of(tiny));
        Collections.addAll(skip, "--if-exists", "skip-ok");
        assertEquals(Status.SKIPPED, MakeCityscapesJob.run(config(in, out, skip.toArray(String[]::new))).status());
        List<String> overwrite = new ArrayList<>(List.of(tiny));
        Collections.addAll(overwrite, "--if-exists", "overwrite", "--train-frames", "2");
        MakeCityscapesResult replaced = MakeCityscapesJob.run(config(in, out, overwrite.toArray(String[]::new)));
        assertEquals(Status.OK, replaced.status());
        assertEquals(2, names(out.resolve("leftImg8bit/train/aachen")).size());
    }
}
