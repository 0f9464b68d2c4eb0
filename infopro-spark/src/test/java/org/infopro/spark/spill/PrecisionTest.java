package org.infopro.spark.spill;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fp16 and fp32 encodings of spilled activations: exact where they must be, IEEE rounding where they round. */
class PrecisionTest {
    private static int halfBits(float f) {
        byte[] b = Precision.FP16.encode(new float[]{f}, 0, 1);
        assertEquals(2, b.length);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    private static float fromHalf(int h) {
        float[] out = new float[1];
        Precision.FP16.decode(new byte[]{(byte) h, (byte) (h >>> 8)}, out, 0);
        return out[0];
    }

    private static boolean isNaNPattern(int h) {
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }

    @Test
    void everyHalfBitPatternDecodesAndReencodesToItself() {
        for (int h = 0; h < 65536; h++) {
            float f = fromHalf(h);
            if (isNaNPattern(h)) {
                assertTrue(Float.isNaN(f), "pattern " + Integer.toHexString(h) + " is NaN");
                assertTrue(isNaNPattern(halfBits(f)), "NaN " + Integer.toHexString(h) + " stays NaN");
            } else {
                assertEquals(h, halfBits(f), "pattern " + Integer.toHexString(h) + " (" + f + ")");
            }
        }
    }

    @Test
    void knownValuesEncodeToTheirIeeeBits() {
        assertEquals(0x3c00, halfBits(1.0f));
        assertEquals(0xc100, halfBits(-2.5f));
        assertEquals(0x0000, halfBits(0.0f));
        assertEquals(0x8000, halfBits(-0.0f), "-0 keeps its sign");
        assertEquals(0x7bff, halfBits(65504f), "largest half");
        assertEquals(0x7bff, halfBits(65519.996f), "just below the overflow threshold rounds down");
        assertEquals(0x7c00, halfBits(65520f), "halfway to 2^16 rounds to even: Inf");
        assertEquals(0x7c00, halfBits(1e10f));
        assertEquals(0xfc00, halfBits(-1e10f));
        assertEquals(0x7c00, halfBits(Float.POSITIVE_INFINITY));
        assertEquals(0xfc00, halfBits(Float.NEGATIVE_INFINITY));
        assertTrue(isNaNPattern(halfBits(Float.NaN)));
        assertEquals(0x0400, halfBits(6.1035156e-5f), "smallest normal");
        assertEquals(0x0001, halfBits(5.9604645e-8f), "smallest subnormal");
        assertEquals(0x03ff, halfBits(6.097555e-5f), "largest subnormal");
        assertEquals(0x0000, halfBits(0x1p-25f), "half the smallest subnormal ties to even: 0");
        assertEquals(0x0001, halfBits(Math.nextUp(0x1p-25f)), "just above that rounds up");
        assertEquals(0x0002, halfBits(3 * 0x1p-25f), "1.5 units ties to even: 2");
        assertEquals(0x8000, halfBits(-1e-10f), "tiny negative underflows to -0");
        assertEquals(0x3c00, halfBits(1 + 0x1p-11f), "1+2^-11 ties to even: 1");
        assertEquals(0x3c02, halfBits(1 + 3 * 0x1p-11f), "1+3·2^-11 ties to even: 1+2^-9");
        assertEquals(0x3c01, halfBits(Math.nextUp(1 + 0x1p-11f)), "above the tie rounds up");
        assertEquals(0x4000, halfBits(2 - 0x1p-12f), "mantissa carry bumps the exponent");
        assertEquals(1.0f, fromHalf(0x3c00));
        assertEquals(-2.5f, fromHalf(0xc100));
        assertEquals(65504f, fromHalf(0x7bff));
        assertEquals(0x1p-24f, fromHalf(0x0001));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(fromHalf(0x8000)));
    }

    /** The nearest half to {@code x}, computed another way: scale to 11 significant bits and rint (ties to even). */
    private static float referenceHalf(float x) {
        int ulpExponent = Math.max(Math.getExponent(x), -14) - 10;
        return (float) Math.scalb(Math.rint(Math.scalb((double) x, -ulpExponent)), ulpExponent);
    }

    @Test
    void randomNormalRangeFloatsRoundToNearestWithinHalfAnUlp() {
        Random rnd = new Random(7);
        float[] xs = new float[100_000];
        for (int i = 0; i < xs.length; i++) {
            float mag = (float) Math.exp(Math.log(6.2e-5) + rnd.nextDouble() * (Math.log(65000) - Math.log(6.2e-5)));
            xs[i] = rnd.nextBoolean() ? mag : -mag;
        }
        byte[] enc = Precision.FP16.encode(xs, 0, xs.length);
        float[] dec = new float[xs.length];
        Precision.FP16.decode(enc, dec, 0);
        for (int i = 0; i < xs.length; i++) {
            assertTrue(Math.abs(dec[i] - xs[i]) <= 0x1p-11 * Math.abs(xs[i]), xs[i] + " -> " + dec[i]);
            assertEquals(referenceHalf(xs[i]), dec[i], "nearest half to " + xs[i]);
        }
    }

    @Test
    void fp32IsExactAndLittleEndian() {
        float[] xs = {1.0f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 3.14159f, Float.NEGATIVE_INFINITY};
        byte[] enc = Precision.FP32.encode(xs, 0, xs.length);
        assertEquals(4 * xs.length, enc.length);
        assertArrayEquals(new byte[]{0, 0, (byte) 0x80, 0x3f}, java.util.Arrays.copyOf(enc, 4), "1.0f little-endian");
        float[] dec = new float[xs.length + 2];
        Precision.FP32.decode(enc, dec, 2);
        for (int i = 0; i < xs.length; i++) {
            assertEquals(Float.floatToRawIntBits(xs[i]), Float.floatToRawIntBits(dec[i + 2]));
        }
        assertArrayEquals(new byte[]{0, 0x3c}, Precision.FP16.encode(new float[]{5f, 1f, 7f}, 1, 1), "a range of the array");
    }

    @Test
    void labelsAndSizes() {
        assertEquals("fp16", Precision.FP16.label());
        assertEquals("fp32", Precision.FP32.label());
        assertEquals(2, Precision.FP16.bytes());
        assertEquals(4, Precision.FP32.bytes());
        assertThrows(IllegalArgumentException.class, () -> Precision.FP16.decode(new byte[6], new float[2], 0));
        assertThrows(IllegalArgumentException.class, () -> Precision.FP32.encode(new float[2], 1, 2));
    }
}
