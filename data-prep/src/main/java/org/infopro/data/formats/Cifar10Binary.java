package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.RgbImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary version of CIFAR-10 ({@code cifar-10-binary.tar.gz}, Krizhevsky 2009): train is
 * {@code data_batch_1.bin} .. {@code data_batch_5.bin} concatenated in that order, test is
 * {@code test_batch.bin}. Each record is one label byte (0..9) and 3072 pixel bytes: the 32x32 red
 * plane, then green, then blue, each row-major; records are converted to row-major HWC RGB.
 */
public final class Cifar10Binary {
    /** The folder the release archive unpacks to. */
    public static final String NESTED = "cifar-10-batches-bin";
    public static final int SIDE = 32;
    public static final int PLANE = SIDE * SIDE;
    public static final int RECORD_BYTES = 1 + 3 * PLANE;
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";
    public static final String META_FILE = "batches.meta.txt";
    public static final List<String> DEFAULT_LABEL_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final String FIX = "Download and unpack cifar-10-binary.tar.gz (the binary version, not the "
            + "python or matlab one) and point at the folder.";

    private Cifar10Binary() {
    }

    /**
     * Opens the release in {@code dir} or {@code dir/cifar-10-batches-bin}. Checks that every file is a
     * whole number of records; labels are checked as records are read.
     */
    public static SmallDataset open(String dir, Configuration conf) {
        List<String> required = new ArrayList<>(TRAIN_FILES);
        required.add(TEST_FILE);
        String base = DatasetFiles.locate(dir, NESTED, required, "CIFAR-10", FIX, conf);
        List<String> labelNames = DatasetFiles.exists(base, META_FILE, conf)
                ? DatasetFiles.lines(DatasetFiles.child(base, META_FILE), conf) : DEFAULT_LABEL_NAMES;
        if (labelNames.size() != DEFAULT_LABEL_NAMES.size()) {
            throw new ConfigException(DatasetFiles.child(base, META_FILE) + ": " + labelNames.size() + " label names " + labelNames
                    + "; CIFAR-10 has 10. Is this CIFAR-100? Remove the file to use the standard names.");
        }
        List<String> train = TRAIN_FILES.stream().map(f -> DatasetFiles.child(base, f)).toList();
        return new SmallDataset("cifar-10", labelNames, List.of(
                Split.of("train", train, conf), Split.of("test", List.of(DatasetFiles.child(base, TEST_FILE)), conf)));
    }

    /** Converts one record's planar pixels (after the label byte) to row-major HWC RGB. */
    static RgbImage image(byte[] record, int offset) {
        byte[] hwc = new byte[3 * PLANE];
        for (int c = 0; c < 3; c++) {
            int plane = offset + c * PLANE;
            for (int i = 0; i < PLANE; i++) {
                hwc[i * 3 + c] = record[plane + i];
            }
        }
        return new RgbImage(SIDE, SIDE, 3, hwc);
    }

    /** A split made of one or more batch files read back to back. */
    private record Split(String split, List<String> files, List<Long> counts, long count) implements RecordSplit {
        static Split of(String split, List<String> files, Configuration conf) {
            List<Long> counts = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < files.size(); i++) {
                long len = DatasetFiles.length(files.get(i), conf);
                if (len == 0 || len % RECORD_BYTES != 0) {
                    throw new ConfigException(String.format(
                            "%s: %d bytes is not a whole number of CIFAR-10 records of %d bytes (1 label + 3072 pixels); "
                                    + "%d records leave %d bytes over. Is the file truncated or from another release? Re-fetch it.",
                            files.get(i), len, RECORD_BYTES, len / RECORD_BYTES, len % RECORD_BYTES));
                }
                counts.add(len / RECORD_BYTES);
                total += len / RECORD_BYTES;
            }
            return new Split(split, List.copyOf(files), List.copyOf(counts), total);
        }

        @Override
        public String source() {
            return String.join(",", files);
        }

        @Override
        public List<LabeledRecord> read(long from, long to, Configuration conf) throws IOException {
            RecordSplit.checkRange(this, from, to);
            List<LabeledRecord> out = new ArrayList<>((int) (to - from));
            long first = 0;
            for (int f = 0; f < files.size() && first < to; f++) {
                long lo = Math.max(from, first);
                long hi = Math.min(to, first + counts.get(f));
                if (lo < hi) {
                    byte[] data = DatasetFiles.readRange(files.get(f), (lo - first) * RECORD_BYTES,
                            Math.toIntExact((hi - lo) * RECORD_BYTES), conf);
                    for (long i = lo; i < hi; i++) {
                        int off = (int) ((i - lo) * RECORD_BYTES);
                        int label = data[off] & 0xff;
                        if (label >= DEFAULT_LABEL_NAMES.size()) {
                            throw new ConfigException(String.format(
                                    "%s: record %d (of this file; %s record %d) has label %d; CIFAR-10 labels are 0..9. "
                                            + "Is this a CIFAR-100 file (2 label bytes per record)? Re-fetch the binary CIFAR-10 release.",
                                    files.get(f), i - first, split, i, label));
                        }
                        out.add(new LabeledRecord(RecordSplit.key(split, i), label, image(data, off + 1)));
                    }
                }
                first += counts.get(f);
            }
            return out;
        }
    }
}
