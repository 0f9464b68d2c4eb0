package org.infopro.data.idx;

import java.util.Arrays;

/**
 * The header of an IDX file (the MNIST format): element type 0x08 (unsigned byte) and its dimensions.
 * Images are {@code [n, rows, cols]}, labels {@code [n]}.
 */
public record IdxHeader(String file, int[] dims) {
    /** The unsigned-byte element type; the only one MNIST-family files use. */
    public static final int UBYTE = 0x08;

    public int count() {
        return dims[0];
    }

    /** Bytes per record: rows·cols for images, 1 for labels. */
    public int recordBytes() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Header length in bytes: the 4-byte magic plus one int per dimension. */
    public int headerBytes() {
        return 4 + 4 * dims.length;
    }

    public long payloadBytes() {
        return (long) count() * recordBytes();
    }

    @Override
    public String toString() {
        return file + " " + Arrays.toString(dims);
    }
}
