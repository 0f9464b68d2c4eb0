package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.RgbImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SVHN cropped digits, "Format 2" (Netzer et al. 2011): {@code train_32x32.mat}, {@code test_32x32.mat}
 * and, optionally, {@code extra_32x32.mat}. Each file holds {@code X}, a 32x32x3xN uint8 array in MATLAB's
 * column-major order (element {@code (y, x, c, n)} at {@code y + 32*(x + 32*(c + 3*n))}), and {@code y},
 * N labels 1..10 where 10 stands for the digit 0. Records become row-major HWC RGB with labels 0..9 named
 * by their digit. Images are streamed from the file for each range read, so memory stays that of the range.
 */
public final class SvhnMat {
    public static final int SIDE = 32;
    public static final int IMAGE_BYTES = SIDE * SIDE * 3;
    public static final String IMAGES = "X";
    public static final String LABELS = "y";
    public static final List<String> LABEL_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final String FIX = "Download train_32x32.mat and test_32x32.mat (and extra_32x32.mat) of the "
            + "cropped-digits format from the SVHN site into that folder.";

    private SvhnMat() {
    }

    /**
     * Opens the files in {@code dir}; with {@code includeExtra} the 531131-image extra split is added (and
     * required). Checks each file's {@code X} shape and that every label is 1..10.
     */
    public static SmallDataset open(String dir, Configuration conf, boolean includeExtra) throws IOException {
        List<String> splits = new ArrayList<>(List.of("train", "test"));
        if (includeExtra) {
            splits.add("extra");
        }
        List<String> files = splits.stream().map(s -> s + "_32x32.mat").toList();
        String base = DatasetFiles.locate(dir, null, files, "SVHN", FIX, conf);
        List<RecordSplit> out = new ArrayList<>();
        for (int i = 0; i < splits.size(); i++) {
            out.add(Split.of(splits.get(i), DatasetFiles.child(base, files.get(i)), conf));
        }
        return new SmallDataset("svhn", LABEL_NAMES, out);
    }

    /** Converts one column-major 32x32x3 slab to row-major HWC RGB. */
    static RgbImage image(byte[] slabs, int offset) {
        byte[] hwc = new byte[IMAGE_BYTES];
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < SIDE; x++) {
                int column = offset + SIDE * (x + SIDE * c);
                for (int y = 0; y < SIDE; y++) {
                    hwc[(y * SIDE + x) * 3 + c] = slabs[column + y];
                }
            }
        }
        return new RgbImage(SIDE, SIDE, 3, hwc);
    }

    /** Maps a stored label 1..10 to 0..9 (10 is the digit 0), rejecting anything else. */
    static int label(double stored, String file, long index) {
        if (stored != Math.rint(stored) || stored < 1 || stored > 10) {
            throw new ConfigException(file + ": label " + stored + " of record " + index
                    + "; SVHN labels are 1..10 (10 for the digit 0). Re-fetch the file.");
        }
        return (int) stored % 10;
    }

    private record Split(String split, String source, long count) implements RecordSplit {
        static Split of(String split, String file, Configuration conf) throws IOException {
            MatFile.Variable x = null;
            MatFile.Variable y = null;
            for (MatFile.Variable v : MatFile.list(file, conf)) {
                if (v.name().equals(IMAGES)) {
                    x = v;
                } else if (v.name().equals(LABELS)) {
                    y = v;
                }
            }
            if (x == null || y == null) {
                throw new ConfigException(file + ": expected variables 'X' (images) and 'y' (labels); it has "
                        + MatFile.list(file, conf) + ". Is this the cropped-digits (32x32) file and not a full-numbers one?");
            }
            int[] d = x.dims();
            // MATLAB drops a trailing singleton dimension, so a one-image file (32x32x3) is refused here too
            boolean shapeOk = x.matClass() == MatClass.UINT8 && d.length == 4 && d[0] == SIDE && d[1] == SIDE && d[2] == 3;
            if (!shapeOk) {
                throw new ConfigException(file + ": X is " + x + "; expected uint8 32x32x3xN with N > 1. "
                        + "Is this the cropped-digits file?");
            }
            long n = d[3];
            if (y.numel() != n) {
                throw new ConfigException(file + ": X holds " + n + " images but y holds " + y.numel() + " labels "
                        + Arrays.toString(y.dims()) + "; they must match.");
            }
            Split s = new Split(split, file, n);
            s.labels(conf);
            return s;
        }

        /** All labels of the split, mapped to 0..9; small (8 bytes a record stored), and read per range. */
        private int[] labels(Configuration conf) throws IOException {
            MatArray y = MatFile.read(source, conf, LABELS::equals).get(LABELS);
            int[] out = new int[Math.toIntExact(count)];
            for (int i = 0; i < out.length; i++) {
                out[i] = label(y.get(i), source, i);
            }
            return out;
        }

        @Override
        public List<LabeledRecord> read(long from, long to, Configuration conf) throws IOException {
            RecordSplit.checkRange(this, from, to);
            int[] labels = labels(conf);
            byte[] slabs = MatFile.readUint8Slabs(source, conf, IMAGES, from, to);
            List<LabeledRecord> out = new ArrayList<>((int) (to - from));
            for (long i = from; i < to; i++) {
                out.add(new LabeledRecord(RecordSplit.key(split, i), labels[(int) i],
                        image(slabs, (int) (i - from) * IMAGE_BYTES)));
            }
            return out;
        }
    }
}
