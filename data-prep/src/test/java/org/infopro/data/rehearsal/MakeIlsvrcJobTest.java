package org.infopro.data.rehearsal;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.idx.IdxReader;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.Status;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * make-ilsvrc on real files: real Fashion-MNIST when submit/fetch-fashion-mnist.sh has cached it, else generated
 * IDX files in the same format. Expected counts come from the IDX labels themselves, so both inputs check the same.
 */
class MakeIlsvrcJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("MakeIlsvrcJobTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static MakeIlsvrcConfig config(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(), "--progress-seconds", "0",
                "--threads", "2"));
        args.addAll(List.of(extra));
        return MakeIlsvrcConfig.fromArgs(args.toArray(String[]::new));
    }

    private static int[] idxLabels(Path in, String prefix, int n) {
        byte[][] raw = IdxReader.readRecords(new org.apache.hadoop.fs.Path(in.resolve(prefix + "-labels-idx1-ubyte.gz").toString()),
                new Configuration(), 1, 0, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = raw[i][0] & 0xff;
        }
        return out;
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number of components in a JPEG's start-of-frame segment (3 for YCbCr, 1 for gray). */
    private static int jpegComponents(byte[] b) {
        for (int p = 2; p + 9 < b.length; ) {
            int marker = b[p + 1] & 0xff;
            int len = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) {
                return b[p + 9] & 0xff;
            }
            p += 2 + len;
        }
        throw new AssertionError("no start-of-frame segment");
    }

    @Test
    void fashionMnistTreeGoesThroughPrepImagenetAsTenClassesOfThreeChannelJpegsAtTheChosenSize(@TempDir Path tmp) throws Exception {
        Path in = IdxFixtures.fashionMnistOrGenerated(tmp, 2000, 400);
        Path tree = tmp.resolve("ilsvrc");
        MakeIlsvrcResult made = MakeIlsvrcJob.run(config(in, tree, "--train-limit", "300", "--val-limit", "100", "--size", "48"));
        assertEquals(Status.OK, made.status());
        assertEquals(400, made.images());
        int[] trainLabels = idxLabels(in, "train", 300);
        int[] valLabels = idxLabels(in, "t10k", 100);

        // the tree: ten wnid folders in label order, named like real ones, holding <wnid>_<record>.JPEG
        List<String> wnids = names(tree.resolve("train"));
        assertEquals(10, wnids.size());
        wnids.forEach(w -> assertTrue(w.matches("n\\d{8}"), w));
        List<String> mapping = Files.readAllLines(tree.resolve(MakeIlsvrcJob.SYNSET_MAPPING));
        List<String> expectedMapping = new ArrayList<>();
        for (int l = 0; l < 10; l++) {
            expectedMapping.add(wnids.get(l) + " " + MakeIlsvrcConfig.FASHION_MNIST_LABELS.get(l));
        }
        assertEquals(expectedMapping, mapping);
        long[] perClass = new long[10];
        for (int i = 0; i < 300; i++) {
            String w = wnids.get(trainLabels[i]);
            assertTrue(Files.isRegularFile(tree.resolve("train").resolve(w).resolve(w + "_" + (i + 1) + ".JPEG")), "record " + i);
            perClass[trainLabels[i]]++;
        }
        for (int l = 0; l < 10; l++) {
            assertEquals(perClass[l], names(tree.resolve("train").resolve(wnids.get(l))).size(), wnids.get(l));
        }
        // flat val with Kaggle's solution file: one whole-image box per image
        List<String> val = names(tree.resolve("val"));
        assertEquals(100, val.size());
        assertEquals("ILSVRC2012_val_00000001.JPEG", val.get(0));
        assertEquals("ILSVRC2012_val_00000100.JPEG", val.get(99));
        List<String> csv = Files.readAllLines(tree.resolve(MakeIlsvrcJob.VAL_SOLUTION));
        assertEquals("ImageId,PredictionString", csv.get(0));
        assertEquals(101, csv.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(String.format(Locale.ROOT, "ILSVRC2012_val_%08d,%s 0 0 47 47", i + 1, wnids.get(valLabels[i])), csv.get(i + 1));
        }
        // real ImageNet-like files: RGB JPEGs of the chosen size, no .crc side files, no staging folder left behind
        byte[] first = Files.readAllBytes(tree.resolve("val").resolve(val.get(0)));
        assertEquals(3, jpegComponents(first));
        RgbImage decoded = ImageCodec.decodeRgb(first, Long.MAX_VALUE);
        assertEquals(48, decoded.width());
        assertEquals(48, decoded.height());
        try (Stream<Path> all = Files.walk(tree)) {
            assertEquals(List.of(), all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".crc")).toList());
        }
        assertTrue(names(tmp).stream().noneMatch(n -> n.startsWith(".")), "no staging folder left: " + names(tmp));
        assertTrue(Files.readString(tree.resolve(MakeIlsvrcJob.PROVENANCE)).contains("\"sha256\""));

        // prep-imagenet reads it as it is: ten classes, every image a row, the JPEGs kept byte for byte
        Path ds = tmp.resolve("ds");
        ImagePrepResult prep = ImagePrepJob.run(ImagePrepConfig.fromArgs(ImageDataset.IMAGENET, new String[]{
                "--input", tree.toString(), "--output", ds.toString(), "--progress-seconds", "0"}), spark);
        assertEquals(Status.OK, prep.status(), String.valueOf(prep.error()));
        DatasetManifest m = DatasetManifest.read(ds.toString(), spark.sparkContext().hadoopConfiguration());
        assertEquals(10, m.numClasses());
        assertEquals(MakeIlsvrcConfig.FASHION_MNIST_LABELS, m.labelNames());
        assertEquals(wnids, m.labelMap().stream().map(DatasetManifest.LabelEntry::id).toList());
        assertEquals(300, m.split("train").rows());
        assertEquals(100, m.split("val").rows());
        assertEquals(0, m.split("train").quarantined() + m.split("val").quarantined());
        assertArrayEquals(perClass, m.split("train").classCounts());
        long[] valPerClass = new long[10];
        for (int l : valLabels) {
            valPerClass[l]++;
        }
        assertArrayEquals(valPerClass, m.split("val").classCounts());
        assertEquals(3, m.image().channels());
        assertEquals(48, m.image().height());
        assertEquals(48, m.image().width());
        assertEquals(ShardSchema.ENCODING_JPEG, m.image().encoding());
        Row row = spark.read().parquet(ds.resolve("val").toString())
                .where(ShardSchema.KEY + " = 'val/ILSVRC2012_val_00000001'").collectAsList().get(0);
        assertEquals(valLabels[0], (int) row.getAs(ShardSchema.LABEL));
        assertArrayEquals(first, (byte[]) row.getAs(ShardSchema.IMAGE), "a plain three-channel JPEG is stored as it is");
    }

    @Test
    void thousandClassesSpreadEachLabelEvenlyOverAHundredWnids(@TempDir Path tmp) throws Exception {
        Path in = IdxFixtures.fashionMnistOrGenerated(tmp, 2000, 400);
        Path tree = tmp.resolve("ilsvrc-1000");
        MakeIlsvrcResult made = MakeIlsvrcJob.run(config(in, tree, "--classes", "1000", "--train-limit", "2000", "--val-limit", "200",
                "--size", "32"));
        assertEquals(1000, made.classes());
        int[] trainLabels = idxLabels(in, "train", 2000);
        int[] valLabels = idxLabels(in, "t10k", 200);

        List<String> wnids = names(tree.resolve("train"));
        assertEquals(1000, wnids.size());
        assertEquals(1000, new HashSet<>(wnids).size());
        List<String> mapping = Files.readAllLines(tree.resolve(MakeIlsvrcJob.SYNSET_MAPPING));
        assertEquals(1000, mapping.size());
        long[] labelCount = new long[10];
        for (int l : trainLabels) {
            labelCount[l]++;
        }
        for (int j = 0; j < 1000; j++) {
            int label = j / 100;
            assertEquals(wnids.get(j) + " " + MakeIlsvrcConfig.FASHION_MNIST_LABELS.get(label), mapping.get(j));
            List<String> files = names(tree.resolve("train").resolve(wnids.get(j)));
            // round robin: the label's images spread over its 100 wnids, counts differing by at most one
            long lo = labelCount[label] / 100;
            assertTrue(files.size() == lo || files.size() == lo + 1, wnids.get(j) + " holds " + files.size());
            for (String f : files) {
                int record = Integer.parseInt(f.substring(f.indexOf('_') + 1, f.indexOf('.'))) - 1;
                assertEquals(label, trainLabels[record], f + " is in a wnid of label " + label);
                assertTrue(f.startsWith(wnids.get(j) + "_"), f);
            }
        }
        TreeMap<String, Integer> labelOfWnid = new TreeMap<>();
        for (int j = 0; j < 1000; j++) {
            labelOfWnid.put(wnids.get(j), j / 100);
        }
        List<String> csv = Files.readAllLines(tree.resolve(MakeIlsvrcJob.VAL_SOLUTION));
        Set<String> valWnids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String wnid = csv.get(i + 1).split(",")[1].split(" ")[0];
            assertEquals(valLabels[i], labelOfWnid.get(wnid), csv.get(i + 1));
            valWnids.add(wnid);
        }
        assertTrue(valWnids.size() > 150, "val images spread over many wnids too: " + valWnids.size());

        // deterministic: the same input and options give the same wnids and the same files
        Path again = tmp.resolve("again");
        MakeIlsvrcJob.run(config(in, again, "--classes", "1000", "--train-limit", "2000", "--val-limit", "200", "--size", "32",
                "--threads", "1"));
        assertEquals(mapping, Files.readAllLines(again.resolve(MakeIlsvrcJob.SYNSET_MAPPING)));
        assertEquals(csv, Files.readAllLines(again.resolve(MakeIlsvrcJob.VAL_SOLUTION)));
        String w = wnids.get(123);
        assertEquals(names(tree.resolve("train").resolve(w)), names(again.resolve("train").resolve(w)));
    }

    @Test
    void copiesWriteEveryTrainingRecordAgainAsAMirroredShiftedVariantUnderItsOwnNumberInTheSameWnid(@TempDir Path tmp)
            throws Exception {
        Path in = IdxFixtures.fashionMnistOrGenerated(tmp, 2000, 400);
        Path tree = tmp.resolve("ilsvrc-copies");
        MakeIlsvrcResult made = MakeIlsvrcJob.run(config(in, tree, "--classes", "20", "--train-limit", "300", "--val-limit", "50",
                "--size", "32", "--copies", "3"));
        assertEquals(900, made.imagesPerSplit().get("train"));
        assertEquals(950, made.images());
        assertEquals(50, names(tree.resolve("val")).size(), "val is never copied");
        int files = 0;
        for (String wnid : names(tree.resolve("train"))) {
            Set<String> here = new HashSet<>(names(tree.resolve("train").resolve(wnid)));
            files += here.size();
            for (String f : here) {
                int n = Integer.parseInt(f.substring(f.indexOf('_') + 1, f.indexOf('.')));
                int record = (n - 1) % 300;
                for (int c = 0; c < 3; c++) {
                    assertTrue(here.contains(wnid + "_" + (c * 300 + record + 1) + ".JPEG"), "copy " + c + " of " + f + " beside it");
                }
            }
        }
        assertEquals(900, files);
        Set<String> distinct = new HashSet<>();
        String wnid = names(tree.resolve("train")).get(0);
        String first = names(tree.resolve("train").resolve(wnid)).get(0);
        int record = (Integer.parseInt(first.substring(first.indexOf('_') + 1, first.indexOf('.'))) - 1) % 300;
        for (int c = 0; c < 3; c++) {
            distinct.add(java.util.Arrays.toString(Files.readAllBytes(
                    tree.resolve("train").resolve(wnid).resolve(wnid + "_" + (c * 300 + record + 1) + ".JPEG"))));
        }
        assertEquals(3, distinct.size(), "the three copies are different JPEGs");
    }

    @Test
    void aVariantIsTheImageForCopyZeroMirroredForOddCopiesAndShiftedByHalfTheCopy() {
        // one row of four RGB pixels: values 1..4 in every channel
        byte[] px = new byte[12];
        for (int x = 0; x < 4; x++) {
            for (int k = 0; k < 3; k++) {
                px[3 * x + k] = (byte) (x + 1);
            }
        }
        RgbImage img = new RgbImage(4, 1, 3, px);
        assertArrayEquals(px, MakeIlsvrcJob.variant(img, 0).pixels());
        assertArrayEquals(row(4, 3, 2, 1), MakeIlsvrcJob.variant(img, 1).pixels());
        assertArrayEquals(row(1, 1, 2, 3), MakeIlsvrcJob.variant(img, 2).pixels());
        assertArrayEquals(row(4, 4, 3, 2), MakeIlsvrcJob.variant(img, 3).pixels());
    }

    private static byte[] row(int... values) {
        byte[] out = new byte[3 * values.length];
        for (int x = 0; x < values.length; x++) {
            for (int k = 0; k < 3; k++) {
                out[3 * x + k] = (byte) values[x];
            }
        }
        return out;
    }

    @Test
    void badInputsAreRefusedBeforeAnyOutputWithTheFix(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path out = tmp.resolve("out");
        ConfigException missing = assertThrows(ConfigException.class, () -> MakeIlsvrcJob.run(config(empty, out)));
        assertTrue(missing.getMessage().contains("no train-images-idx3-ubyte or train-images-idx3-ubyte.gz there")
                && missing.getMessage().contains("submit/fetch-fashion-mnist.sh"), missing.getMessage());

        ConfigException small = assertThrows(ConfigException.class, () -> config(empty, out, "--size", "28"));
        assertEquals("make-ilsvrc: invalid --size '28': expected an integer in [32, 1024].", small.getMessage());

        Path idx = tmp.resolve("idx");
        IdxFixtures.writeDataset(idx, 50, 10, 10, false, 3);
        ConfigException uneven = assertThrows(ConfigException.class, () -> MakeIlsvrcJob.run(config(idx, out, "--classes", "15")));
        assertTrue(uneven.getMessage().startsWith("make-ilsvrc: invalid --classes 15: expected a multiple of the 10 labels"),
                uneven.getMessage());
        ConfigException thin = assertThrows(ConfigException.class, () -> MakeIlsvrcJob.run(config(idx, out, "--classes", "100")));
        assertTrue(thin.getMessage().contains("Raise --train-limit (0 = all) or lower --classes"), thin.getMessage());
        ConfigException unnamed = assertThrows(ConfigException.class,
                () -> MakeIlsvrcJob.run(config(idx, out, "--label-names", "a,b,c", "--classes", "3")));
        assertTrue(unnamed.getMessage().contains("--label-names names only 3 labels"), unnamed.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of("empty", "idx"), names(tmp), "no staging folder is left behind");

        // an existing tree is refused, kept (only when made with the same options) or replaced, as --if-exists says
        MakeIlsvrcJob.run(config(idx, out, "--size", "32"));
        assertThrows(ConfigException.class, () -> MakeIlsvrcJob.run(config(idx, out, "--size", "32")));
        assertEquals(Status.SKIPPED, MakeIlsvrcJob.run(config(idx, out, "--size", "32", "--if-exists", "skip-ok")).status());
        ConfigException other = assertThrows(ConfigException.class, () -> MakeIlsvrcJob.run(config(idx, out, "--if-exists", "skip-ok")));
        assertTrue(other.getMessage().contains("size: 32 -> "), other.getMessage());
        MakeIlsvrcResult replaced = MakeIlsvrcJob.run(config(idx, out, "--if-exists", "overwrite", "--val-limit", "4"));
        assertEquals(Status.OK, replaced.status());
        assertEquals(4, names(out.resolve("val")).size());
    }
}
