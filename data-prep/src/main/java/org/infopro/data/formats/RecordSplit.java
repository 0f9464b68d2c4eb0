package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * One split of a small dataset (CIFAR-10, STL-10, SVHN), readable by record range so that executors
 * can each read their own slice of the source files. Implementations hold their paths as strings, so a
 * split can be shipped to executors as is.
 */
public interface RecordSplit extends Serializable {
    /** The split name: {@code train}, {@code test}, {@code extra} or {@code unlabeled}. */
    String split();

    /** The file or files this split reads, for messages and manifests. */
    String source();

    /** Records in the split. */
    long count();

    /**
     * Records {@code [from, to)} in file order. Keys are {@code <split>/<8-digit index>}, e.g.
     * {@code train/00001234}, stable across runs and range boundaries.
     *
     * @throws IllegalArgumentException when the range is not inside {@code [0, count()]}
     * @throws org.infopro.data.config.ConfigException when the data is malformed (e.g. a label out of range)
     */
    List<LabeledRecord> read(long from, long to, Configuration conf) throws IOException;

    /** The key of record {@code index} of split {@code split}. */
    static String key(String split, long index) {
        return String.format("%s/%08d", split, index);
    }

    /** Checks {@code [from, to)} lies inside a split of {@code count} records. */
    static void checkRange(RecordSplit s, long from, long to) {
        if (from < 0 || to < from || to > s.count()) {
            throw new IllegalArgumentException("records [" + from + ", " + to + ") outside split " + s.split()
                    + " of " + s.count() + " records (" + s.source() + ")");
        }
    }
}
