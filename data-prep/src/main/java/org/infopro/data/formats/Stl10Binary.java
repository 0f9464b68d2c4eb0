package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.RgbImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary version of STL-10 ({@code stl10_binary.tar.gz}, Coates, Lee and Ng 2011): {@code train_X.bin}
 * / {@code train_y.bin}, {@code test_X.bin} / {@code test_y.bin} and, optionally, {@code unlabeled_X.bin}.
 * Each image is 3x96x96 unsigned bytes written by MATLAB: channel after channel (R, G, B), each channel
 * column-major (the first 96 bytes are the first column). Records are converted to row-major HWC RGB.
 * Labels in {@code *_y.bin} are 1..10 and become 0..9; unlabeled images get {@link LabeledRecord#UNLABELED}.
 */
public final class Stl10Binary {
    /** The folder the release archive unpacks to. */
    public static final String NESTED = "stl10_binary";
    public static final int SIDE = 96;
    public static final int PLANE = SIDE * SIDE;
    public static final int IMAGE_BYTES = 3 * PLANE;
    public static final String CLASS_NAMES_FILE = "class_names.txt";
    public static final String UNLABELED_FILE = "unlabeled_X.bin";
    public static final List<String> DEFAULT_LABEL_NAMES = List.of("airplane", "bird", "car", "cat", "deer", "dog", "horse",
            "monkey", "ship", "truck");
    private static final String FIX = "Download and unpack stl10_binary.tar.gz and point at the folder.";

    private Stl10Binary() {
    }

    /**
     * Opens the release in {@code dir} or {@code dir/stl10_binary}; with {@code includeUnlabeled} the
     * 100000-image unlabeled split is added (and required). File lengths are checked here, labels as
     * records are read.
     */
    public static SmallDataset open(String dir, Configuration conf, boolean includeUnlabeled) {
        List<String> required = new ArrayList<>(List.of("train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin"));
        if (includeUnlabeled) {
            required.add(UNLABELED_FILE);
        }
        String base = DatasetFiles.locate(dir, NESTED, required, "STL-10", FIX, conf);
        List<String> labelNames = DatasetFiles.exists(base, CLASS_NAMES_FILE, conf)
                ? DatasetFiles.lines(DatasetFiles.child(base, CLASS_NAMES_FILE), conf) : DEFAULT_LABEL_NAMES;
        if (labelNames.size() != DEFAULT_LABEL_NAMES.size()) {
            throw new ConfigException(DatasetFiles.child(base, CLASS_NAMES_FILE) + ": " + labelNames.size()
                    + " class names " + labelNames + "; STL-10 has 10. Re-fetch the release or remove the file.");
        }
        List<RecordSplit> splits = new ArrayList<>();
        splits.add(Split.of("train", DatasetFiles.child(base, "train_X.bin"), DatasetFiles.child(base, "train_y.bin"), conf));
        splits.add(Split.of("test", DatasetFiles.child(base, "test_X.bin"), DatasetFiles.child(base, "test_y.bin"), conf));
        if (includeUnlabeled) {
            splits.add(Split.of("unlabeled", DatasetFiles.child(base, UNLABELED_FILE), null, conf));
        }
        return new SmallDataset("stl-10", labelNames, splits);
    }

    /** Converts one image, channel-planar and column-major, to row-major HWC RGB. */
    static RgbImage image(byte[] data, int offset) {
        byte[] hwc = new byte[IMAGE_BYTES];
        for (int c = 0; c < 3; c++) {
            int plane = offset + c * PLANE;
            for (int x = 0; x < SIDE; x++) {
                int column = plane + x * SIDE;
                for (int y = 0; y < SIDE; y++) {
                    hwc[(y * SIDE + x) * 3 + c] = data[column + y];
                }
            }
        }
        return new RgbImage(SIDE, SIDE, 3, hwc);
    }

    /** One split: an image file and, unless unlabeled, its label file (one byte per image). */
    private record Split(String split, String images, String labels, long count) implements RecordSplit {
        static Split of(String split, String images, String labels, Configuration conf) {
            long len = DatasetFiles.length(images, conf);
            if (len == 0 || len % IMAGE_BYTES != 0) {
                throw new ConfigException(String.format(
                        "%s: %d bytes is not a whole number of STL-10 images of %d bytes (3x96x96); %d bytes over. "
                                + "Is the file truncated? Re-fetch it.", images, len, IMAGE_BYTES, len % IMAGE_BYTES));
            }
            long count = len / IMAGE_BYTES;
            if (labels != null) {
                long n = DatasetFiles.length(labels, conf);
                if (n != count) {
                    throw new ConfigException(images + " holds " + count + " images but " + labels + " holds " + n
                            + " labels (one byte each); they must be a pair from the same release.");
                }
            }
            return new Split(split, images, labels, count);
        }

        @Override
        public String source() {
            return labels == null ? images : images + "," + labels;
        }

        @Override
        public List<LabeledRecord> read(long from, long to, Configuration conf) throws IOException {
            RecordSplit.checkRange(this, from, to);
            int n = Math.toIntExact(to - from);
            byte[] pixels = DatasetFiles.readRange(images, from * IMAGE_BYTES, Math.multiplyExact(n, IMAGE_BYTES), conf);
            byte[] y = labels == null ? null : DatasetFiles.readRange(labels, from, n, conf);
            List<LabeledRecord> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int label = LabeledRecord.UNLABELED;
                if (y != null) {
                    int raw = y[i] & 0xff;
                    if (raw < 1 || raw > DEFAULT_LABEL_NAMES.size()) {
                        throw new ConfigException(String.format("%s: label %d of record %d; STL-10 labels are 1..10. "
                                + "Re-fetch the file.", labels, raw, from + i));
                    }
                    label = raw - 1;
                }
                out.add(new LabeledRecord(RecordSplit.key(split, from + i), label, image(pixels, i * IMAGE_BYTES)));
            }
            return out;
        }
    }
}
