package org.infopro.data.idx;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (MNIST, Fashion-MNIST), gzipped or raw; compression is sniffed from the content, not
 * the name. Malformed files (wrong magic, wrong element type, truncated payload) raise a
 * {@link ConfigException} naming the file and the problem.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /** Opens a file for reading, transparently un-gzipping it when it starts with the gzip magic. */
    public static InputStream open(Path path, Configuration conf) throws IOException {
        InputStream raw = new BufferedInputStream(Fs.of(path, conf).open(path), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** Parses the header at the start of {@code in}, checking magic, type and the expected rank. */
    public static IdxHeader readHeader(InputStream in, String file, int expectedRank) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int magic;
        try {
            magic = d.readInt();
        } catch (EOFException e) {
            throw new ConfigException(file + ": file is empty or shorter than an IDX header. Re-fetch it "
                    + "(submit/fetch-fashion-mnist.sh) or point --input at a folder of IDX files.");
        }
        int zeros = magic >>> 16;
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if (zeros != 0 || type != IdxHeader.UBYTE || rank != expectedRank) {
            throw new ConfigException(String.format(
                    "%s: bad IDX magic number 0x%08x; expected 0x%08x (unsigned bytes, %d dimensions). "
                            + "Is this the right file, and not corrupted?",
                    file, magic, (IdxHeader.UBYTE << 8) | expectedRank, expectedRank));
        }
        int[] dims = new int[rank];
        try {
            for (int i = 0; i < rank; i++) {
                dims[i] = d.readInt();
                if (dims[i] <= 0) {
                    throw new ConfigException(file + ": dimension " + i + " is " + dims[i] + "; IDX dimensions must be positive.");
                }
            }
        } catch (EOFException e) {
            throw new ConfigException(file + ": truncated inside the IDX header. Re-fetch the file.");
        }
        return new IdxHeader(file, dims);
    }

    /** Reads the header and checks that the payload is exactly as long as the header says. */
    public static IdxHeader inspect(Path path, Configuration conf, int expectedRank) {
        try (InputStream in = open(path, conf)) {
            IdxHeader h = readHeader(in, path.toString(), expectedRank);
            long have = in.transferTo(OutputStreamSink.INSTANCE);
            if (have < h.payloadBytes()) {
                throw new ConfigException(String.format(
                        "%s: truncated: the header declares %d records (%d bytes) but the file holds %d bytes. Re-fetch the file.",
                        path, h.count(), h.payloadBytes(), have));
            }
            if (have > h.payloadBytes()) {
                throw new ConfigException(String.format(
                        "%s: %d unexpected bytes after the %d records the header declares. Is this the right file?",
                        path, have - h.payloadBytes(), h.count()));
            }
            return h;
        } catch (java.util.zip.ZipException e) {
            throw new ConfigException(path + ": corrupt gzip data (" + e.getMessage() + "). Re-fetch the file.");
        } catch (EOFException e) {
            throw new ConfigException(path + ": truncated gzip stream. Re-fetch the file.");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code count} records starting at record {@code start}; each record is {@code recordBytes} bytes. */
    public static byte[][] readRecords(Path path, Configuration conf, int expectedRank, int start, int count) {
        try (InputStream in = open(path, conf)) {
            IdxHeader h = readHeader(in, path.toString(), expectedRank);
            if (start < 0 || count < 0 || (long) start + count > h.count()) {
                throw new IllegalArgumentException("records [" + start + ", " + (start + count) + ") outside " + h);
            }
            long skip = (long) start * h.recordBytes();
            in.skipNBytes(skip);
            DataInputStream d = new DataInputStream(in);
            byte[][] out = new byte[count][h.recordBytes()];
            for (int i = 0; i < count; i++) {
                d.readFully(out[i]);
            }
            return out;
        } catch (EOFException e) {
            throw new ConfigException(path + ": truncated while reading records from " + start + ". Re-fetch the file.");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
