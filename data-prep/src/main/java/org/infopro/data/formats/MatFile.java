package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Reads MATLAB Level 5 MAT-files (MATLAB's {@code -v6}/{@code -v7} formats, as described in "MAT-File
 * Format", The MathWorks, 2019): SVHN's {@code *_32x32.mat} and the ImageNet devkit's {@code meta.mat}.
 * Both byte orders, the small data element format, zlib-compressed variables ({@code miCOMPRESSED}),
 * numeric, char, cell and struct arrays are supported; sparse and object arrays are listed but not
 * decoded. Version 7.3 files are HDF5 and are rejected with a hint.
 *
 * <p>{@link #read} materialises the wanted variables; {@link #list} reads only the variables' headers;
 * {@link #readUint8Slabs} streams records of a large N-D uint8 array (the last dimension indexes
 * records) without holding the rest of it. Malformed files raise a {@link ConfigException} naming the
 * file and the problem.
 */
public final class MatFile {
    static final int MI_INT8 = 1;
    static final int MI_UINT8 = 2;
    static final int MI_INT16 = 3;
    static final int MI_UINT16 = 4;
    static final int MI_INT32 = 5;
    static final int MI_UINT32 = 6;
    static final int MI_SINGLE = 7;
    static final int MI_DOUBLE = 9;
    static final int MI_INT64 = 12;
    static final int MI_UINT64 = 13;
    static final int MI_MATRIX = 14;
    static final int MI_COMPRESSED = 15;
    static final int MI_UTF8 = 16;
    static final int MI_UTF16 = 17;
    static final int MI_UTF32 = 18;

    public static final int HEADER_BYTES = 128;
    private static final int FLAG_COMPLEX = 0x0800;
    private static final int FLAG_LOGICAL = 0x0200;
    private static final long MAX_ELEMENT_BYTES = Integer.MAX_VALUE - 16;

    private MatFile() {
    }

    /** A variable's name, class and dimensions, read without its data. */
    public record Variable(String name, MatClass matClass, int[] dims) {
        public long numel() {
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " (" + matClass.name().toLowerCase(java.util.Locale.ROOT) + " " + MatArray.shape(dims) + ")";
        }
    }

    /** Every named variable of the file, in file order. {@code file} names the source in messages. */
    public static Map<String, MatArray> read(InputStream in, String file) throws IOException {
        return read(in, file, name -> true);
    }

    /** The variables whose name {@code wanted} accepts; the others are skipped without being decoded. */
    public static Map<String, MatArray> read(InputStream in, String file, Predicate<String> wanted) throws IOException {
        Map<String, MatArray> out = new LinkedHashMap<>();
        scan(in, file, (h, s) -> {
            if (wanted.test(h.name())) {
                out.put(h.name(), readBody(s, h));
            }
            return false;
        });
        return out;
    }

    /** {@link #read(InputStream, String, Predicate)} of a file on any Hadoop file system. */
    public static Map<String, MatArray> read(String path, Configuration conf, Predicate<String> wanted) throws IOException {
        Path p = new Path(path);
        try (InputStream in = Fs.of(p, conf).open(p)) {
            return read(in, path, wanted);
        }
    }

    /** The variables of the file (name, class, dimensions), reading only their headers. */
    public static List<Variable> list(InputStream in, String file) throws IOException {
        List<Variable> out = new ArrayList<>();
        scan(in, file, (h, s) -> {
            out.add(h.variable(file));
            return false;
        });
        return out;
    }

    /** {@link #list(InputStream, String)} of a file on any Hadoop file system. */
    public static List<Variable> list(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        try (InputStream in = Fs.of(p, conf).open(p)) {
            return list(in, path);
        }
    }

    /**
     * Records {@code [from, to)} of the uint8 array {@code variable}, where a record is one index of the
     * last dimension (for SVHN's 32x32x3xN {@code X}, one 3072-byte image), as the column-major bytes of
     * those records back to back. The array is streamed: bytes before {@code from} are skipped (inflated
     * and dropped when compressed) and nothing after {@code to} is read, so memory is that of the result.
     */
    public static byte[] readUint8Slabs(InputStream in, String file, String variable, long from, long to) throws IOException {
        byte[][] result = new byte[1][];
        List<String> seen = new ArrayList<>();
        scan(in, file, (h, s) -> {
            seen.add(h.name());
            if (!h.name().equals(variable)) {
                return false;
            }
            result[0] = readSlabs(s, h, from, to);
            return true;
        });
        if (result[0] == null) {
            throw new ConfigException(file + ": no variable '" + variable + "'; the file holds " + seen
                    + ". Is this the right file?");
        }
        return result[0];
    }

    /** {@link #readUint8Slabs(InputStream, String, String, long, long)} of a file on any Hadoop file system. */
    public static byte[] readUint8Slabs(String path, Configuration conf, String variable, long from, long to) throws IOException {
        Path p = new Path(path);
        try (InputStream in = Fs.of(p, conf).open(p)) {
            return readUint8Slabs(in, path, variable, from, to);
        }
    }

    // ---- the element stream ----

    /** Sees each named top-level variable with its body stream positioned after the name; true stops the scan. */
    private interface Visitor {
        boolean visit(MatrixHeader header, Src body) throws IOException;
    }

    private static void scan(InputStream raw, String file, Visitor visitor) throws IOException {
        try {
            Src top = readHeader(new BufferedInputStream(raw, 1 << 16), file);
            for (Tag t; (t = top.readTagOrEnd()) != null; ) {
                if (t.type == MI_COMPRESSED) {
                    Bounded zipped = new Bounded(top.in, t.nbytes);
                    Inflater inflater = new Inflater();
                    try {
                        Src unzipped = top.child(new InflaterInputStream(zipped, inflater, 1 << 16));
                        Tag m = unzipped.readTag();
                        if (m.type != MI_MATRIX) {
                            throw new ConfigException(file + ": a compressed element holds data type " + m.type
                                    + "; expected an array (miMATRIX, 14). The file is corrupt or not a MAT-file.");
                        }
                        if (m.nbytes > 0 && visitMatrix(unzipped.child(new Bounded(unzipped.in, m.nbytes)), visitor)) {
                            return;
                        }
                    } finally {
                        inflater.end();
                    }
                    zipped.skipRest();
                } else if (t.type == MI_MATRIX) {
                    Bounded body = new Bounded(top.in, t.nbytes);
                    if (t.nbytes > 0 && visitMatrix(top.child(body), visitor)) {
                        return;
                    }
                    body.skipRest();
                    top.skipPadding(t.nbytes);
                } else {
                    top.skipData(t);
                }
            }
        } catch (ZipException e) {
            throw new ConfigException(file + ": corrupt compressed data (" + e.getMessage() + "). Re-fetch the file.", e);
        } catch (EOFException e) {
            throw new ConfigException(file + ": truncated: the file ends inside a data element. Re-fetch the file.", e);
        }
    }

    /** Reads the header of the array in the body of a non-empty {@code miMATRIX} element and visits it. */
    private static boolean visitMatrix(Src body, Visitor visitor) throws IOException {
        MatrixHeader h = readMatrixHeader(body);
        // MATLAB stores subsystem data (class objects) as a trailing unnamed variable; it is no user variable
        return !h.name().isEmpty() && visitor.visit(h, body);
    }

    private static Src readHeader(InputStream in, String file) throws IOException {
        byte[] h = in.readNBytes(HEADER_BYTES);
        if (h.length < HEADER_BYTES) {
            throw new ConfigException(file + ": " + h.length + " bytes is shorter than the 128-byte MAT-file header. "
                    + "Is the file truncated? Re-fetch it.");
        }
        String text = new String(h, 0, 116, StandardCharsets.ISO_8859_1);
        if (text.startsWith("MATLAB 7.3")) {
            throw new ConfigException(file + ": a version 7.3 MAT-file (HDF5), which this reader does not read. "
                    + "Re-save it in MATLAB or Octave with save(..., '-v7').");
        }
        if (!text.startsWith("MATLAB 5.0")) {
            String start = text.substring(0, 20).replaceAll("[^\\x20-\\x7e]", "?");
            throw new ConfigException(file + ": not a Level 5 MAT-file: its header starts '" + start
                    + "', expected 'MATLAB 5.0 MAT-file'. Is this the right file?");
        }
        ByteOrder order;
        if (h[126] == 'I' && h[127] == 'M') {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if (h[126] == 'M' && h[127] == 'I') {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            throw new ConfigException(String.format("%s: bad endian indicator 0x%02x%02x in the MAT-file header; "
                    + "expected 'IM' or 'MI'. The file is corrupt; re-fetch it.", file, h[126], h[127]));
        }
        return new Src(in, order, file);
    }

    // ---- arrays ----

    private record MatrixHeader(int flags, int classCode, int[] dims, String name) {
        MatClass matClass(String file) {
            MatClass c = MatClass.of(classCode);
            if (c == null) {
                throw new ConfigException(file + ": variable '" + name + "' has unknown array class " + classCode
                        + "; expected 1..17. The file is corrupt or from a newer MATLAB.");
            }
            return c;
        }

        Variable variable(String file) {
            return new Variable(name, matClass(file), dims);
        }

        long numel() {
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private static MatrixHeader readMatrixHeader(Src s) throws IOException {
        Element flags = s.readElement();
        if (flags.type != MI_UINT32 || flags.data.length != 8) {
            throw s.malformed("array flags are type " + flags.type + " of " + flags.data.length
                    + " bytes; expected miUINT32 (6) of 8 bytes");
        }
        int word = flags.buffer(s.order).getInt(0);
        Element dimsEl = s.readElement();
        if (dimsEl.type != MI_INT32 || dimsEl.data.length < 8 || dimsEl.data.length % 4 != 0) {
            throw s.malformed("dimensions are type " + dimsEl.type + " of " + dimsEl.data.length
                    + " bytes; expected miINT32 (5), at least two of them");
        }
        int[] dims = new int[dimsEl.data.length / 4];
        ByteBuffer db = dimsEl.buffer(s.order);
        for (int i = 0; i < dims.length; i++) {
            dims[i] = db.getInt(4 * i);
            if (dims[i] < 0) {
                throw s.malformed("dimension " + i + " is " + dims[i]);
            }
        }
        Element nameEl = s.readElement();
        if (nameEl.type != MI_INT8 && nameEl.type != MI_UINT8) {
            throw s.malformed("array name is type " + nameEl.type + "; expected miINT8 (1)");
        }
        String name = new String(nameEl.data, StandardCharsets.US_ASCII);
        return new MatrixHeader(word & 0xff00, word & 0xff, dims, name);
    }

    private static MatArray readBody(Src s, MatrixHeader h) throws IOException {
        MatClass cls = h.matClass(s.file);
        String where = h.name().isEmpty() ? "a nested array" : "variable '" + h.name() + "'";
        if (cls.isNumeric()) {
            Element re = s.readElement();
            int size = sizeOf(re.type);
            if (size == 0) {
                throw s.malformed(where + ": its data is type " + re.type + ", not a numeric type");
            }
            if ((long) re.data.length / size < h.numel()) {
                throw s.malformed(where + ": its data holds " + re.data.length / size + " elements but its dimensions "
                        + MatArray.shape(h.dims()) + " need " + h.numel());
            }
            boolean complex = (h.flags() & FLAG_COMPLEX) != 0;
            if (complex) {
                s.skipData(s.readTag());
            }
            return MatArray.numeric(h.name(), cls, h.dims(), (h.flags() & FLAG_LOGICAL) != 0, complex, re.type, re.data, s.order);
        }
        switch (cls) {
            case CHAR -> {
                Element e = s.readElement();
                char[] chars = decodeChars(e, s, where);
                if (chars.length != h.numel()) {
                    throw s.malformed(where + ": its text has " + chars.length + " characters but its dimensions "
                            + MatArray.shape(h.dims()) + " need " + h.numel());
                }
                return MatArray.chars(h.name(), h.dims(), chars);
            }
            case CELL -> {
                List<MatArray> cells = new ArrayList<>();
                for (long i = 0; i < h.numel(); i++) {
                    cells.add(readNested(s));
                }
                return MatArray.cell(h.name(), h.dims(), cells);
            }
            case STRUCT -> {
                Element lenEl = s.readElement();
                if (lenEl.type != MI_INT32 || lenEl.data.length != 4) {
                    throw s.malformed(where + ": field name length is type " + lenEl.type + "; expected one miINT32");
                }
                int len = lenEl.buffer(s.order).getInt(0);
                Element namesEl = s.readElement();
                if (len <= 0 || namesEl.data.length % len != 0) {
                    throw s.malformed(where + ": " + namesEl.data.length + " bytes of field names do not divide into names of "
                            + len + " bytes");
                }
                List<String> fields = new ArrayList<>();
                for (int off = 0; off < namesEl.data.length; off += len) {
                    int end = off;
                    while (end < off + len && namesEl.data[end] != 0) {
                        end++;
                    }
                    fields.add(new String(namesEl.data, off, end - off, StandardCharsets.US_ASCII));
                }
                List<MatArray> values = new ArrayList<>();
                for (long i = 0; i < h.numel() * fields.size(); i++) {
                    values.add(readNested(s));
                }
                return MatArray.struct(h.name(), h.dims(), fields, values);
            }
            default -> {
                // sparse, object, function handle, opaque: the caller skips the rest of the element
                return MatArray.undecoded(h.name(), cls, h.dims());
            }
        }
    }

    /** One array nested in a cell or struct: its own miMATRIX element (empty for an empty array). */
    private static MatArray readNested(Src s) throws IOException {
        Tag t = s.readTag();
        if (t.type != MI_MATRIX) {
            throw s.malformed("a cell or struct element is data type " + t.type + "; expected miMATRIX (14)");
        }
        if (t.nbytes == 0) {
            return MatArray.numeric("", MatClass.DOUBLE, new int[]{0, 0}, false, false, MI_DOUBLE, new byte[0], s.order);
        }
        Bounded b = new Bounded(s.in, t.nbytes);
        Src body = s.child(b);
        MatArray a = readBody(body, readMatrixHeader(body));
        b.skipRest();
        s.skipPadding(t.nbytes);
        return a;
    }

    private static byte[] readSlabs(Src s, MatrixHeader h, long from, long to) throws IOException {
        MatClass cls = h.matClass(s.file);
        int[] dims = h.dims();
        if (cls != MatClass.UINT8) {
            throw new ConfigException(s.file + ": variable '" + h.name() + "' is a " + cls.name().toLowerCase(java.util.Locale.ROOT)
                    + " array " + MatArray.shape(dims) + "; expected uint8 images. Is this the right file?");
        }
        long records = dims[dims.length - 1];
        long slab = records == 0 ? 0 : h.numel() / records;
        if (from < 0 || to < from || to > records) {
            throw new IllegalArgumentException("records [" + from + ", " + to + ") outside " + s.file + " variable '"
                    + h.name() + "' " + MatArray.shape(dims) + " (" + records + " records)");
        }
        Tag t = s.readTag();
        int size = sizeOf(t.type);
        if (size == 0) {
            throw s.malformed("variable '" + h.name() + "': its data is type " + t.type + ", not a numeric type");
        }
        if (t.nbytes / size < h.numel()) {
            throw s.malformed("variable '" + h.name() + "': its data holds " + t.nbytes / size
                    + " elements but its dimensions " + MatArray.shape(dims) + " need " + h.numel());
        }
        int n = Math.toIntExact((to - from) * slab);
        byte[] raw;
        if (t.small != null) {
            raw = Arrays.copyOfRange(t.small, (int) (from * slab * size), (int) (from * slab * size) + n * size);
        } else {
            s.in.skipNBytes(from * slab * size);
            raw = s.in.readNBytes(Math.multiplyExact(n, size));
            if (raw.length < n * size) {
                throw new EOFException();
            }
        }
        if (size == 1) {
            return raw;
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(s.order);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) decode(b, t.type, i);
        }
        return out;
    }

    private static char[] decodeChars(Element e, Src s, String where) {
        return switch (e.type) {
            case MI_UTF8 -> new String(e.data, StandardCharsets.UTF_8).toCharArray();
            case MI_INT8, MI_UINT8 -> new String(e.data, StandardCharsets.ISO_8859_1).toCharArray();
            case MI_UINT16, MI_UTF16 -> {
                ByteBuffer b = e.buffer(s.order);
                char[] c = new char[e.data.length / 2];
                for (int i = 0; i < c.length; i++) {
                    c[i] = b.getChar(2 * i);
                }
                yield c;
            }
            case MI_UTF32 -> {
                ByteBuffer b = e.buffer(s.order);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < e.data.length / 4; i++) {
                    sb.appendCodePoint(b.getInt(4 * i));
                }
                yield sb.toString().toCharArray();
            }
            default -> throw s.malformed(where + ": its text is data type " + e.type + "; expected miUTF8 or miUINT16");
        };
    }

    /** Bytes per element of a numeric or text data type; 0 for the others. */
    static int sizeOf(int miType) {
        return switch (miType) {
            case MI_INT8, MI_UINT8, MI_UTF8 -> 1;
            case MI_INT16, MI_UINT16, MI_UTF16 -> 2;
            case MI_INT32, MI_UINT32, MI_SINGLE, MI_UTF32 -> 4;
            case MI_DOUBLE, MI_INT64, MI_UINT64 -> 8;
            default -> 0;
        };
    }

    /** Element {@code i} of numeric data of type {@code miType}, as a double. */
    static double decode(ByteBuffer b, int miType, int i) {
        return switch (miType) {
            case MI_INT8 -> b.get(i);
            case MI_UINT8 -> b.get(i) & 0xff;
            case MI_INT16 -> b.getShort(2 * i);
            case MI_UINT16 -> b.getShort(2 * i) & 0xffff;
            case MI_INT32 -> b.getInt(4 * i);
            case MI_UINT32 -> b.getInt(4 * i) & 0xffffffffL;
            case MI_SINGLE -> b.getFloat(4 * i);
            case MI_DOUBLE -> b.getDouble(8 * i);
            case MI_INT64 -> b.getLong(8 * i);
            case MI_UINT64 -> {
                long v = b.getLong(8 * i);
                yield v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            default -> throw new IllegalStateException("data type " + miType + " is not numeric");
        };
    }

    // ---- low-level reading ----

    /** A data element tag; {@code small} holds the data of a small data element, else null. */
    private record Tag(int type, long nbytes, byte[] small) {
    }

    private record Element(int type, byte[] data) {
        ByteBuffer buffer(ByteOrder order) {
            return ByteBuffer.wrap(data).order(order);
        }
    }

    /** A stream of data elements in one byte order. */
    private record Src(InputStream in, ByteOrder order, String file) {
        Src child(InputStream sub) {
            return new Src(sub, order, file);
        }

        int readInt() throws IOException {
            byte[] b = in.readNBytes(4);
            if (b.length < 4) {
                throw new EOFException();
            }
            return ByteBuffer.wrap(b).order(order).getInt();
        }

        /** The next tag, or null at a clean end of the stream. */
        Tag readTagOrEnd() throws IOException {
            in.mark(1);
            if (in.read() < 0) {
                return null;
            }
            in.reset();
            return readTag();
        }

        Tag readTag() throws IOException {
            int w = readInt();
            if ((w >>> 16) != 0) {
                int nbytes = w >>> 16;
                if (nbytes > 4) {
                    throw malformed("a small data element claims " + nbytes + " bytes; at most 4 fit");
                }
                byte[] data = in.readNBytes(4);
                if (data.length < 4) {
                    throw new EOFException();
                }
                return new Tag(w & 0xffff, nbytes, Arrays.copyOf(data, nbytes));
            }
            return new Tag(w, readInt() & 0xffffffffL, null);
        }

        Element readElement() throws IOException {
            Tag t = readTag();
            if (t.small != null) {
                return new Element(t.type, t.small);
            }
            if (t.nbytes > MAX_ELEMENT_BYTES) {
                throw new ConfigException(file + ": a data element of " + t.nbytes + " bytes is too large to hold in "
                        + "memory; read large image arrays with MatFile.readUint8Slabs.");
            }
            byte[] data = in.readNBytes((int) t.nbytes);
            if (data.length < t.nbytes) {
                throw new EOFException();
            }
            skipPadding(t.nbytes);
            return new Element(t.type, data);
        }

        void skipData(Tag t) throws IOException {
            if (t.small == null) {
                in.skipNBytes(t.nbytes);
                skipPadding(t.nbytes);
            }
        }

        /** Skips the padding to the next 8-byte boundary; lenient at the end of a stream. */
        void skipPadding(long nbytes) throws IOException {
            int pad = (int) ((8 - nbytes % 8) % 8);
            for (int i = 0; i < pad && in.read() >= 0; i++) {
                // the padding bytes carry nothing
            }
        }

        ConfigException malformed(String what) {
            return new ConfigException(file + ": malformed MAT-file: " + what + ". The file is corrupt or not a "
                    + "Level 5 MAT-file; re-fetch it.");
        }
    }

    /** The next {@code limit} bytes of a stream, never more. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long remaining;

        Bounded(InputStream in, long limit) {
            this.in = in;
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException();
            }
            remaining -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long want = Math.min(n, remaining);
            if (want <= 0) {
                return 0;
            }
            long k;
            if (in instanceof InflaterInputStream) {
                // InflaterInputStream.skip inflates 512 bytes a call; skipping SVHN's extra set needs bigger steps
                byte[] sink = new byte[(int) Math.min(want, 1 << 16)];
                k = Math.max(0, in.read(sink, 0, sink.length));
            } else {
                k = in.skip(want);
            }
            remaining -= k;
            return k;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        void skipRest() throws IOException {
            in.skipNBytes(remaining);
            remaining = 0;
        }
    }
}
