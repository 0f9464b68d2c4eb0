package org.infopro.spark.spill;

/**
 * How a spilled activation is stored: IEEE 754 binary16 (half the bytes, about three decimal digits) or
 * binary32 (exact). Both little-endian. The fp16 conversion rounds to nearest even, overflows to ±Inf,
 * keeps NaN, -0 and subnormals; written by hand because Java 17 has no {@code Float.floatToFloat16}.
 */
public enum Precision {
    FP16, FP32;

    public String label() {
        return this == FP16 ? "fp16" : "fp32";
    }

    /** Bytes per value. */
    public int bytes() {
        return this == FP16 ? 2 : 4;
    }

    /** {@code len} values of {@code src} from {@code from}, little-endian. */
    public byte[] encode(float[] src, int from, int len) {
        if (from < 0 || len < 0 || from + len > src.length) {
            throw new IllegalArgumentException("encode: values " + from + ".." + (from + len) + " are outside an array of "
                    + src.length + "; pass a range inside the array");
        }
        byte[] out = new byte[len * bytes()];
        for (int i = 0, o = 0; i < len; i++) {
            if (this == FP16) {
                int h = toHalf(src[from + i]);
                out[o++] = (byte) h;
                out[o++] = (byte) (h >>> 8);
            } else {
                int b = Float.floatToRawIntBits(src[from + i]);
                out[o++] = (byte) b;
                out[o++] = (byte) (b >>> 8);
                out[o++] = (byte) (b >>> 16);
                out[o++] = (byte) (b >>> 24);
            }
        }
        return out;
    }

    /** Decodes all of {@code src} into {@code dst} from {@code dstOffset}. */
    public void decode(byte[] src, float[] dst, int dstOffset) {
        int n = src.length / bytes();
        if (src.length % bytes() != 0 || dstOffset < 0 || dstOffset + n > dst.length) {
            throw new IllegalArgumentException("decode: " + src.length + " bytes of " + label() + " into an array of "
                    + dst.length + " from " + dstOffset + " do not fit; the bytes must hold whole " + label()
                    + " values and the array room for " + n);
        }
        for (int i = 0, s = 0; i < n; i++) {
            if (this == FP16) {
                dst[dstOffset + i] = toFloat((src[s++] & 0xff) | (src[s++] & 0xff) << 8);
            } else {
                dst[dstOffset + i] = Float.intBitsToFloat((src[s++] & 0xff) | (src[s++] & 0xff) << 8
                        | (src[s++] & 0xff) << 16 | (src[s++] & 0xff) << 24);
            }
        }
    }

    /** binary32 → binary16 bits (in the low 16 bits), round to nearest even. */
    static int toHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int exp = (x >>> 23) & 0xff;
        int mant = x & 0x7fffff;
        if (exp == 0xff) {
            int payload = mant >>> 13;
            return sign | 0x7c00 | (mant == 0 ? 0 : payload == 0 ? 0x200 : payload);
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return sign | 0x7c00;
        }
        if (e <= 0) {
            if (e < -10) {
                return sign;
            }
            // a half subnormal counts units of 2^-24; the float is (mant | 1<<23) · 2^(e-14) such units
            int m = mant | 0x800000;
            int shift = 14 - e;
            int h = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (h & 1) != 0)) {
                h++;
            }
            return sign | h;
        }
        int h = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++; // a carry out of the mantissa bumps the exponent, up to Inf: still the right answer
        }
        return sign | h;
    }

    /** binary16 bits (low 16 bits of {@code h}) → binary32. */
    static float toFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // exact: at most 10 significant bits
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | (exp - 15 + 127) << 23 | mant << 13);
    }
}
