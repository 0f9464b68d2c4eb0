package org.infopro.data.formats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One array read from a MAT-file: a numeric, char, cell or struct array with its dimensions. Elements
 * are addressed by MATLAB's column-major linear index ({@code i = r + rows*c} for a matrix). Numeric data
 * is kept in its stored type and converted on access, so a large uint8 array costs one byte per element.
 * Classes this reader does not decode (sparse, object, function handles) keep their name, class and
 * dimensions; accessing their data throws.
 */
public final class MatArray {
    private final String name;
    private final MatClass matClass;
    private final int[] dims;
    private final boolean logical;
    private final boolean complex;
    // numeric: the real part in its stored mi type
    private final int dataType;
    private final ByteBuffer data;
    // char
    private final char[] chars;
    // cell: elements; struct: element-major, nFields per element
    private final List<MatArray> children;
    private final List<String> fieldNames;

    private MatArray(String name, MatClass matClass, int[] dims, boolean logical, boolean complex, int dataType,
                     ByteBuffer data, char[] chars, List<MatArray> children, List<String> fieldNames) {
        this.name = name;
        this.matClass = matClass;
        this.dims = dims.clone();
        this.logical = logical;
        this.complex = complex;
        this.dataType = dataType;
        this.data = data;
        this.chars = chars;
        this.children = children;
        this.fieldNames = fieldNames;
    }

    static MatArray numeric(String name, MatClass cls, int[] dims, boolean logical, boolean complex, int dataType,
                            byte[] raw, ByteOrder order) {
        return new MatArray(name, cls, dims, logical, complex, dataType, ByteBuffer.wrap(raw).order(order), null, null, null);
    }

    static MatArray chars(String name, int[] dims, char[] chars) {
        return new MatArray(name, MatClass.CHAR, dims, false, false, 0, null, chars, null, null);
    }

    static MatArray cell(String name, int[] dims, List<MatArray> cells) {
        return new MatArray(name, MatClass.CELL, dims, false, false, 0, null, null, List.copyOf(cells), null);
    }

    static MatArray struct(String name, int[] dims, List<String> fields, List<MatArray> values) {
        return new MatArray(name, MatClass.STRUCT, dims, false, false, 0, null, null, List.copyOf(values), List.copyOf(fields));
    }

    static MatArray undecoded(String name, MatClass cls, int[] dims) {
        return new MatArray(name, cls, dims, false, false, 0, null, null, null, null);
    }

    /** The variable name; empty for arrays nested in cells and structs. */
    public String name() {
        return name;
    }

    public MatClass matClass() {
        return matClass;
    }

    /** The dimensions, at least two (MATLAB has no 1-D arrays). */
    public int[] dims() {
        return dims.clone();
    }

    public long numel() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** True for a MATLAB {@code logical} array (stored as uint8). */
    public boolean isLogical() {
        return logical;
    }

    /** True when the array has an imaginary part; only the real part is kept. */
    public boolean isComplex() {
        return complex;
    }

    /** Element {@code i} (column-major) of a numeric array, as a double. */
    public double get(int i) {
        checkNumeric();
        return MatFile.decode(data, dataType, checkIndex(i));
    }

    /** Element {@code i} of a numeric array as a long; exact for the 64-bit integer classes. */
    public long getLong(int i) {
        checkNumeric();
        int k = checkIndex(i);
        if (dataType == MatFile.MI_INT64 || dataType == MatFile.MI_UINT64) {
            return data.getLong(k * 8);
        }
        return (long) MatFile.decode(data, dataType, k);
    }

    /** All elements of a numeric array, column-major, as doubles. */
    public double[] doubles() {
        checkNumeric();
        double[] out = new double[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = MatFile.decode(data, dataType, i);
        }
        return out;
    }

    /**
     * All elements of a uint8 (or logical) array, column-major. Values are converted from whatever
     * type they were stored in.
     */
    public byte[] bytes() {
        checkNumeric();
        if (matClass != MatClass.UINT8) {
            throw new IllegalStateException(this + " is not a uint8 array; use get() or doubles()");
        }
        int n = Math.toIntExact(numel());
        byte[] out = new byte[n];
        if (dataType == MatFile.MI_UINT8 || dataType == MatFile.MI_INT8) {
            data.get(0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) MatFile.decode(data, dataType, i);
            }
        }
        return out;
    }

    /** The text of a char array with at most one row (MATLAB's usual string). */
    public String string() {
        checkClass(MatClass.CHAR);
        if (dims.length != 2 || (dims[0] > 1 && dims[1] > 1)) {
            throw new IllegalStateException(this + " is a char matrix, not a single string; use rows()");
        }
        return new String(chars);
    }

    /** The rows of a 2-D char matrix (MATLAB pads them with blanks; they are returned as stored). */
    public List<String> rows() {
        checkClass(MatClass.CHAR);
        int r = dims[0];
        int c = Math.toIntExact(numel() / Math.max(r, 1));
        String[] out = new String[r];
        for (int i = 0; i < r; i++) {
            char[] row = new char[c];
            for (int j = 0; j < c; j++) {
                row[j] = chars[i + r * j];
            }
            out[i] = new String(row);
        }
        return List.of(out);
    }

    /** Element {@code i} (column-major) of a cell array. */
    public MatArray cell(int i) {
        checkClass(MatClass.CELL);
        return children.get(checkIndex(i));
    }

    /** The field names of a struct array, in file order. */
    public List<String> fieldNames() {
        checkClass(MatClass.STRUCT);
        return fieldNames;
    }

    /** Field {@code field} of element {@code i} (column-major) of a struct array. */
    public MatArray field(int i, String field) {
        checkClass(MatClass.STRUCT);
        int f = fieldNames.indexOf(field);
        if (f < 0) {
            throw new IllegalArgumentException(this + " has no field '" + field + "'; its fields are " + fieldNames);
        }
        return children.get(checkIndex(i) * fieldNames.size() + f);
    }

    /** Field {@code field} of a 1x1 struct. */
    public MatArray field(String field) {
        return field(0, field);
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= numel()) {
            throw new IndexOutOfBoundsException("index " + i + " outside " + this);
        }
        return i;
    }

    private void checkNumeric() {
        if (data == null) {
            throw new IllegalStateException(this + " is not a numeric array" + undecodedHint());
        }
    }

    private void checkClass(MatClass c) {
        if (matClass != c) {
            throw new IllegalStateException(this + " is not a " + c.name().toLowerCase(Locale.ROOT) + " array" + undecodedHint());
        }
    }

    private String undecodedHint() {
        return data == null && chars == null && children == null
                ? " (its class is not decoded by this reader; re-save it as a numeric, char, cell or struct array)" : "";
    }

    @Override
    public String toString() {
        return (name.isEmpty() ? "<unnamed>" : name) + " (" + matClass.name().toLowerCase(Locale.ROOT) + " " + shape(dims) + ")";
    }

    /** The dimensions as MATLAB would print them, e.g. {@code 32x32x3x10}. */
    static String shape(int[] dims) {
        return String.join("x", Arrays.stream(dims).mapToObj(Integer::toString).toList());
    }
}
