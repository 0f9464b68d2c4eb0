package org.infopro.data.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes real MATLAB Level 5 MAT-files for tests, as MATLAB's {@code save -v6} (uncompressed) or
 * {@code save -v7} (each variable zlib-compressed in a {@code miCOMPRESSED} element) would: a 128-byte
 * header, then one {@code miMATRIX} per variable. Data elements of at most 4 bytes use the small data
 * element format, as MATLAB's do. Either byte order.
 */
public final class MatWriter {
    private static final int MI_INT8 = 1;
    private static final int MI_UINT8 = 2;
    private static final int MI_INT32 = 5;
    private static final int MI_UINT32 = 6;
    private static final int MI_DOUBLE = 9;
    private static final int MI_MATRIX = 14;
    private static final int MI_COMPRESSED = 15;
    private static final int MI_UTF8 = 16;
    private static final int MI_UINT16 = 4;

    private static final int MX_CELL = 1;
    private static final int MX_STRUCT = 2;
    private static final int MX_CHAR = 4;
    private static final int MX_DOUBLE = 6;
    private static final int MX_UINT8 = 9;

    /** A value to write. Dimensions are MATLAB's, at least two; data is column-major. */
    public sealed interface Value permits Uint8, Doubles, Chars, Struct, Cell {
    }

    /** A uint8 array. */
    public record Uint8(int[] dims, byte[] data) implements Value {
    }

    /**
     * A double array; with {@code storeAsUint8} its data element is {@code miUINT8}, as MATLAB saves a
     * double array whose values are all small non-negative integers.
     */
    public record Doubles(int[] dims, double[] data, boolean storeAsUint8) implements Value {
        public static Doubles scalar(double v) {
            return new Doubles(new int[]{1, 1}, new double[]{v}, false);
        }

        public static Doubles column(double... v) {
            return new Doubles(new int[]{v.length, 1}, v, false);
        }
    }

    /** A 1xN char array (a string), stored as {@code miUTF8} or, with {@code utf16}, as {@code miUINT16}. */
    public record Chars(String text, boolean utf16) implements Value {
        public static Chars of(String text) {
            return new Chars(text, false);
        }
    }

    /** A struct array; {@code elements} in column-major order, each mapping every field to its value. */
    public record Struct(int[] dims, List<String> fields, List<Map<String, Value>> elements) implements Value {
    }

    /** A cell array, cells in column-major order. */
    public record Cell(int[] dims, List<Value> cells) implements Value {
    }

    private final ByteOrder order;
    private final boolean compress;
    private final Map<String, Value> variables = new LinkedHashMap<>();

    public MatWriter(ByteOrder order, boolean compress) {
        this.order = order;
        this.compress = compress;
    }

    public MatWriter add(String name, Value value) {
        variables.put(name, value);
        return this;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[128];
        Arrays.fill(header, 0, 116, (byte) ' ');
        byte[] text = "MATLAB 5.0 MAT-file, Platform: infopro-test, Created on: Thu Jan  1 00:00:00 1970"
                .getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, header, 0, text.length);
        ByteBuffer hb = ByteBuffer.wrap(header).order(order);
        hb.putShort(124, (short) 0x0100);
        hb.putShort(126, (short) (('M' << 8) | 'I'));
        out.writeBytes(header);
        for (Map.Entry<String, Value> v : variables.entrySet()) {
            byte[] matrix = matrix(v.getKey(), v.getValue());
            if (compress) {
                byte[] z = deflate(matrix);
                out.writeBytes(tag(MI_COMPRESSED, z.length));
                out.writeBytes(z);
            } else {
                out.writeBytes(matrix);
            }
        }
        return out.toByteArray();
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A complete {@code miMATRIX} element, tag included. */
    private byte[] matrix(String name, Value v) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (v instanceof Uint8 u) {
            header(body, MX_UINT8, u.dims(), name);
            body.writeBytes(element(MI_UINT8, u.data()));
        } else if (v instanceof Doubles d) {
            header(body, MX_DOUBLE, d.dims(), name);
            if (d.storeAsUint8()) {
                byte[] b = new byte[d.data().length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) d.data()[i];
                }
                body.writeBytes(element(MI_UINT8, b));
            } else {
                ByteBuffer b = ByteBuffer.allocate(8 * d.data().length).order(order);
                for (double x : d.data()) {
                    b.putDouble(x);
                }
                body.writeBytes(element(MI_DOUBLE, b.array()));
            }
        } else if (v instanceof Chars c) {
            header(body, MX_CHAR, new int[]{1, c.text().length()}, name);
            if (c.utf16()) {
                ByteBuffer b = ByteBuffer.allocate(2 * c.text().length()).order(order);
                for (char ch : c.text().toCharArray()) {
                    b.putChar(ch);
                }
                body.writeBytes(element(MI_UINT16, b.array()));
            } else {
                body.writeBytes(element(MI_UTF8, c.text().getBytes(StandardCharsets.UTF_8)));
            }
        } else if (v instanceof Struct s) {
            header(body, MX_STRUCT, s.dims(), name);
            int len = s.fields().stream().mapToInt(String::length).max().orElse(0) + 1;
            body.writeBytes(element(MI_INT32, ByteBuffer.allocate(4).order(order).putInt(len).array()));
            byte[] names = new byte[len * s.fields().size()];
            for (int f = 0; f < s.fields().size(); f++) {
                byte[] n = s.fields().get(f).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, names, f * len, n.length);
            }
            body.writeBytes(element(MI_INT8, names));
            for (Map<String, Value> e : s.elements()) {
                for (String f : s.fields()) {
                    body.writeBytes(matrix("", e.get(f)));
                }
            }
        } else if (v instanceof Cell c) {
            header(body, MX_CELL, c.dims(), name);
            for (Value x : c.cells()) {
                body.writeBytes(matrix("", x));
            }
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(tag(MI_MATRIX, b.length));
        out.writeBytes(b);
        return out.toByteArray();
    }

    private void header(ByteArrayOutputStream body, int mxClass, int[] dims, String name) {
        body.writeBytes(element(MI_UINT32, ByteBuffer.allocate(8).order(order).putInt(mxClass).putInt(0).array()));
        ByteBuffer d = ByteBuffer.allocate(4 * dims.length).order(order);
        for (int x : dims) {
            d.putInt(x);
        }
        body.writeBytes(element(MI_INT32, d.array()));
        body.writeBytes(element(MI_INT8, name.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A data element: small format for 1..4 bytes, else tag, data and padding to 8 bytes. */
    private byte[] element(int type, byte[] data) {
        if (data.length > 0 && data.length <= 4) {
            ByteBuffer b = ByteBuffer.allocate(8).order(order);
            b.putInt((data.length << 16) | type);
            b.put(data);
            return b.array();
        }
        int padded = (data.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(order);
        b.put(tag(type, data.length));
        b.put(data);
        return b.array();
    }

    private byte[] tag(int type, int nbytes) {
        return ByteBuffer.allocate(8).order(order).putInt(type).putInt(nbytes).array();
    }

    private static byte[] deflate(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(bos)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
