package org.infopro.data.formats;

/**
 * The class of a MATLAB array as a Level 5 MAT-file declares it in the array flags ({@code mxDOUBLE_CLASS}
 * and friends). The class says what the array is; the data element inside may use a smaller storage
 * type (MATLAB saves a double array of small integers as {@code miUINT8}).
 */
public enum MatClass {
    CELL(1), STRUCT(2), OBJECT(3), CHAR(4), SPARSE(5), DOUBLE(6), SINGLE(7), INT8(8), UINT8(9), INT16(10), UINT16(11),
    INT32(12), UINT32(13), INT64(14), UINT64(15), FUNCTION(16), OPAQUE(17);

    private final int code;

    MatClass(int code) {
        this.code = code;
    }

    /** The {@code mx*_CLASS} number stored in the file. */
    public int code() {
        return code;
    }

    /** True for the numeric classes, whose data is a real (and maybe an imaginary) part. */
    public boolean isNumeric() {
        return code >= DOUBLE.code && code <= UINT64.code;
    }

    /** The class with code {@code code}, or null when there is none. */
    public static MatClass of(int code) {
        for (MatClass c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
