package org.infopro.data.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tiny CIFAR-10, STL-10, SVHN and ImageNet-devkit trees in the exact on-disk layouts of the real
 * releases, for tests. Every image follows {@link #sample}, except one marker pixel at
 * ({@link #MARK_X}, {@link #MARK_Y}) coloured {@link #MARK_RGB}, so a test can tell where each byte landed.
 */
public final class SmallSetFixtures {
    /** The marker pixel: column 5, row 2, the same in every image. */
    public static final int MARK_X = 5;
    public static final int MARK_Y = 2;
    public static final int[] MARK_RGB = {255, 0, 128};

    public static final List<String> CIFAR_NAMES = List.of("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");

    private SmallSetFixtures() {
    }

    /**
     * Sample {@code c} (0 R, 1 G, 2 B) at column {@code x}, row {@code y} of image {@code index} of a split.
     * Not symmetric in x and y, and different per channel and image, so a transposed or planar mix-up shows.
     */
    public static int sample(long index, int x, int y, int c) {
        if (x == MARK_X && y == MARK_Y) {
            return MARK_RGB[c];
        }
        return (int) ((index * 37 + c * 85 + y * 5 + x * 3) & 0xff) % 250;
    }

    // ---- CIFAR-10 ----

    /** The label of record {@code index} (counted over the whole split) in {@link #cifar10}. */
    public static int cifarLabel(long index) {
        return (int) ((index * 3) % 10);
    }

    /**
     * A CIFAR-10 binary release in {@code dir}: five train batches of {@code perBatch} records and a test
     * batch of {@code test}, plus {@code batches.meta.txt} with {@link #CIFAR_NAMES}.
     */
    public static void cifar10(Path dir, int perBatch, int test) {
        for (int b = 1; b <= 5; b++) {
            write(dir.resolve("data_batch_" + b + ".bin"), cifarRecords((long) (b - 1) * perBatch, perBatch));
        }
        write(dir.resolve("test_batch.bin"), cifarRecords(0, test));
        write(dir.resolve("batches.meta.txt"), (String.join("\n", CIFAR_NAMES) + "\n\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code n} CIFAR-10 records for split indices {@code first..}: label byte, then R, G, B planes, row-major. */
    public static byte[] cifarRecords(long first, int n) {
        byte[] out = new byte[n * 3073];
        for (int i = 0; i < n; i++) {
            long index = first + i;
            int off = i * 3073;
            out[off] = (byte) cifarLabel(index);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out[off + 1 + c * 1024 + y * 32 + x] = (byte) sample(index, x, y, c);
                    }
                }
            }
        }
        return out;
    }

    // ---- STL-10 ----

    /** The label as stored (1..10) of record {@code index} in {@link #stl10}; record 3 has 10. */
    public static int stlStoredLabel(long index) {
        return (int) ((index * 3) % 10) + 1;
    }

    /**
     * An STL-10 binary release in {@code dir}: {@code train_X/_y}, {@code test_X/_y}, {@code unlabeled_X}
     * (when {@code unlabeled > 0}) and {@code class_names.txt}. Images are 3x96x96, channel by channel,
     * each channel column-major.
     */
    public static void stl10(Path dir, int train, int test, int unlabeled) {
        for (String split : List.of("train", "test", "unlabeled")) {
            int n = split.equals("train") ? train : split.equals("test") ? test : unlabeled;
            if (n == 0) {
                continue;
            }
            byte[] x = new byte[n * 27648];
            byte[] y = new byte[n];
            for (int i = 0; i < n; i++) {
                y[i] = (byte) stlStoredLabel(i);
                for (int c = 0; c < 3; c++) {
                    for (int col = 0; col < 96; col++) {
                        for (int row = 0; row < 96; row++) {
                            x[i * 27648 + c * 9216 + col * 96 + row] = (byte) sample(i, col, row, c);
                        }
                    }
                }
            }
            write(dir.resolve(split + "_X.bin"), x);
            if (!split.equals("unlabeled")) {
                write(dir.resolve(split + "_y.bin"), y);
            }
        }
        write(dir.resolve("class_names.txt"), "airplane\nbird\ncar\ncat\ndeer\ndog\nhorse\nmonkey\nship\ntruck\n"
                .getBytes(StandardCharsets.US_ASCII));
    }

    // ---- SVHN ----

    /** The label as stored (1..10) of record {@code index} in {@link #svhn}; record 9 has 10, the digit 0. */
    public static int svhnStoredLabel(long index) {
        return (int) (index % 10) + 1;
    }

    /** The SVHN "Format 2" variables for {@code n} images: X 32x32x3xN uint8 (column-major), y Nx1 double. */
    public static MatWriter svhnMat(int n, boolean compress) {
        byte[] x = new byte[n * 3072];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = svhnStoredLabel(i);
            for (int c = 0; c < 3; c++) {
                for (int col = 0; col < 32; col++) {
                    for (int row = 0; row < 32; row++) {
                        x[row + 32 * (col + 32 * (c + 3 * i))] = (byte) sample(i, col, row, c);
                    }
                }
            }
        }
        // as MATLAB saves them: y is a double array of small integers, stored as miUINT8
        return new MatWriter(ByteOrder.LITTLE_ENDIAN, compress)
                .add("X", new MatWriter.Uint8(new int[]{32, 32, 3, n}, x))
                .add("y", new MatWriter.Doubles(new int[]{n, 1}, y, true));
    }

    /** {@code train_32x32.mat}, {@code test_32x32.mat} and, when {@code extra > 0}, {@code extra_32x32.mat}. */
    public static void svhn(Path dir, int train, int test, int extra, boolean compress) {
        svhnMat(train, compress).write(dir.resolve("train_32x32.mat"));
        svhnMat(test, compress).write(dir.resolve("test_32x32.mat"));
        if (extra > 0) {
            svhnMat(extra, compress).write(dir.resolve("extra_32x32.mat"));
        }
    }

    // ---- ImageNet devkit ----

    /**
     * The leaf synsets of {@link #devkit} in ILSVRC2012_ID order (ID = position + 1). Deliberately not
     * sorted, as in the real devkit.
     */
    public static final List<String> DEVKIT_WNIDS = List.of("n03000003", "n01000001", "n04000004", "n02000002");
    /** The validation ground truth of {@link #devkit}: one ILSVRC2012_ID per image. */
    public static final List<Integer> DEVKIT_VAL_IDS = List.of(3, 1, 4, 2, 1, 3);

    /**
     * An ILSVRC2012 devkit in {@code parent/ILSVRC2012_devkit_t12}: {@code data/meta.mat} (compressed, as
     * MATLAB saves it) with a {@code synsets} struct array of the four leaves of {@link #DEVKIT_WNIDS} and
     * two inner synsets, and {@code data/ILSVRC2012_validation_ground_truth.txt}. Returns the devkit folder.
     */
    public static Path devkit(Path parent) {
        Path kit = parent.resolve("ILSVRC2012_devkit_t12");
        List<String> fields = List.of("ILSVRC2012_ID", "WNID", "words", "gloss", "num_children", "children",
                "wordnet_height", "num_train_images");
        List<Map<String, MatWriter.Value>> elements = new ArrayList<>();
        for (int i = 0; i < DEVKIT_WNIDS.size(); i++) {
            elements.add(synset(i + 1, DEVKIT_WNIDS.get(i), words(DEVKIT_WNIDS.get(i)), new double[0], 1300));
        }
        elements.add(synset(5, "n00000005", "entity", new double[]{1, 2}, 0));
        elements.add(synset(6, "n00000006", "abstraction", new double[]{3, 4, 5}, 0));
        new MatWriter(ByteOrder.LITTLE_ENDIAN, true)
                .add("synsets", new MatWriter.Struct(new int[]{elements.size(), 1}, fields, elements))
                .write(kit.resolve("data/meta.mat"));
        StringBuilder truth = new StringBuilder();
        for (int id : DEVKIT_VAL_IDS) {
            truth.append(id).append('\n');
        }
        write(kit.resolve("data/ILSVRC2012_validation_ground_truth.txt"), truth.toString().getBytes(StandardCharsets.US_ASCII));
        return kit;
    }

    /** The words of a fixture wnid. */
    public static String words(String wnid) {
        return "thing " + wnid.substring(wnid.length() - 1) + ", object";
    }

    private static Map<String, MatWriter.Value> synset(int id, String wnid, String words, double[] children, int images) {
        Map<String, MatWriter.Value> m = new LinkedHashMap<>();
        m.put("ILSVRC2012_ID", MatWriter.Doubles.scalar(id));
        m.put("WNID", MatWriter.Chars.of(wnid));
        m.put("words", MatWriter.Chars.of(words));
        m.put("gloss", MatWriter.Chars.of("a gloss for " + wnid));
        m.put("num_children", MatWriter.Doubles.scalar(children.length));
        m.put("children", new MatWriter.Doubles(new int[]{1, children.length}, children, false));
        m.put("wordnet_height", MatWriter.Doubles.scalar(children.length == 0 ? 0 : 1));
        m.put("num_train_images", MatWriter.Doubles.scalar(images));
        return m;
    }

    public static void write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
