package org.infopro.spark.spill;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.io.CompressionCodec$;
import org.apache.spark.util.TaskCompletionListener;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The {@link SpillFormat#BINARY} part files: {@code part-NNNNN.bin}, one per partition, each a magic number,
 * then per record a 1 byte, key (modified UTF-8), label, view, target length and bytes, activation length
 * and bytes, per-pixel label length and bytes, and a 0 byte at the end, so that a truncated file fails instead
 * of reading short. Files of the first version ({@code IPS1}, before per-pixel labels) are still read. Compressed
 * as a whole with Spark's I/O codec. Runs inside Spark tasks.
 */
public final class BinaryParts {
    static final String PREFIX = "part-";
    static final String SUFFIX = ".bin";
    private static final int MAGIC = 0x49505332; // "IPS2"
    private static final int MAGIC_V1 = 0x49505331; // "IPS1": no per-pixel labels
    private static final int BUFFER = 1 << 16;

    private BinaryParts() {
    }

    static String name(int partition) {
        return String.format("%s%05d%s", PREFIX, partition, SUFFIX);
    }

    /**
     * Writes one partition to {@code dir/part-NNNNN.bin} through an attempt-unique hidden temporary file,
     * renamed into place at the end, so task retries and speculative copies never leave a torn part.
     */
    static long write(Configuration conf, Path dir, int partition, Iterator<SpillRecord> records, SpillLayout layout,
                      SpillCodec codec) throws IOException {
        Writer w = writer(conf, new Path(dir, name(partition)), layout, codec);
        try {
            while (records.hasNext()) {
                w.write(records.next());
            }
            return w.commit();
        } finally {
            w.abort();
        }
    }

    /**
     * A writer of one block file in this format, for records produced one at a time (the staggered schedule's
     * hand-offs between waves): written to an attempt-unique hidden temporary file, renamed to {@code file} by
     * {@link Writer#commit()}; {@link Writer#abort()} (a no-op after a commit) removes the temporary file.
     */
    public static Writer writer(Configuration conf, Path file, SpillLayout layout, SpillCodec codec) throws IOException {
        return new Writer(conf, file, layout, codec);
    }

    public static final class Writer implements AutoCloseable {
        private final FileSystem fs;
        private final Path file;
        private final Path tmp;
        private final SpillLayout layout;
        private final DataOutputStream out;
        private long n;
        private boolean closed;

        private Writer(Configuration conf, Path file, SpillLayout layout, SpillCodec codec) throws IOException {
            TaskContext task = TaskContext.get();
            String attempt = task == null ? "driver" : task.stageAttemptNumber() + "-" + task.taskAttemptId();
            this.file = file;
            this.tmp = new Path(file.getParent(), "." + file.getName() + "." + attempt + ".tmp");
            this.fs = file.getFileSystem(conf);
            this.layout = layout;
            this.out = new DataOutputStream(new BufferedOutputStream(compress(fs.create(tmp, true), codec), BUFFER));
            out.writeInt(MAGIC);
        }

        public void write(SpillRecord r) throws IOException {
            SpillStore.check(r, layout);
            out.writeByte(1);
            out.writeUTF(r.key());
            out.writeInt(r.label());
            out.writeInt(r.view());
            out.writeInt(r.target().length);
            out.write(r.target());
            out.writeInt(r.activation().length);
            out.write(r.activation());
            out.writeInt(r.pixels().length);
            out.write(r.pixels());
            n++;
        }

        /** Ends the file and renames it into place; returns the records written. */
        public long commit() throws IOException {
            out.writeByte(0);
            out.close();
            closed = true;
            fs.delete(file, false);
            if (!fs.rename(tmp, file) && !fs.exists(file)) { // exists: another attempt of this task won the race
                throw new IOException("rename " + tmp + " -> " + file + " failed");
            }
            return n;
        }

        /** Closing without a commit aborts. */
        @Override
        public void close() {
            abort();
        }

        /** Drops an uncommitted file; after {@link #commit()} it does nothing. */
        public void abort() {
            try {
                if (!closed) {
                    closed = true;
                    out.close();
                }
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // the temporary file is hidden and removed with its spill folder
            }
        }
    }

    /** The records of one part file, read lazily; the file closes at its end or when the task completes. */
    public static Iterator<SpillRecord> read(Configuration conf, Path part, SpillCodec codec) throws IOException {
        FileSystem fs = part.getFileSystem(conf);
        InputStream raw = fs.open(part);
        DataInputStream in;
        int magic;
        try {
            in = new DataInputStream(new BufferedInputStream(decompress(raw, codec), BUFFER));
            magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V1) {
                throw new IOException(part + " is not a spill part file (bad magic number); the spill is damaged, write it again");
            }
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
        Records it = new Records(part, in, magic == MAGIC);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> it.close());
        }
        return it;
    }

    private static OutputStream compress(OutputStream raw, SpillCodec codec) {
        return codec == SpillCodec.NONE ? raw
                : CompressionCodec$.MODULE$.createCodec(SparkEnv.get().conf(), codec.label()).compressedOutputStream(raw);
    }

    private static InputStream decompress(InputStream raw, SpillCodec codec) {
        return codec == SpillCodec.NONE ? raw
                : CompressionCodec$.MODULE$.createCodec(SparkEnv.get().conf(), codec.label()).compressedInputStream(raw);
    }

    private static final class Records implements Iterator<SpillRecord> {
        private final Path part;
        private final DataInputStream in;
        private final boolean pixels;
        private SpillRecord next;
        private boolean done;

        Records(Path part, DataInputStream in, boolean pixels) {
            this.part = part;
            this.in = in;
            this.pixels = pixels;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    int marker = in.readByte();
                    if (marker == 0) {
                        close();
                    } else if (marker != 1) {
                        throw new IOException("bad record marker " + marker);
                    } else {
                        String key = in.readUTF();
                        int label = in.readInt();
                        int view = in.readInt();
                        byte[] target = bytes();
                        byte[] activation = bytes();
                        next = new SpillRecord(key, label, view, target, activation, pixels ? bytes() : null);
                    }
                } catch (IOException e) {
                    close();
                    throw new UncheckedIOException("cannot read spill part " + part + ": " + e.getMessage()
                            + " (truncated or damaged; write the spill again)", e);
                }
            }
            return next != null;
        }

        @Override
        public SpillRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            SpillRecord r = next;
            next = null;
            return r;
        }

        private byte[] bytes() throws IOException {
            int len = in.readInt();
            if (len < 0) {
                throw new IOException("negative field length " + len);
            }
            byte[] b = new byte[len];
            in.readFully(b);
            return b;
        }

        void close() {
            done = true;
            try {
                in.close();
            } catch (IOException ignored) {
                // read-only stream: nothing is lost
            }
        }
    }
}
