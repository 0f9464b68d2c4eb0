package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;

import static org.infopro.data.testing.ImageFixtures.PNG_GRAY;
import static org.infopro.data.testing.ImageFixtures.PNG_GRAY_ALPHA;
import static org.infopro.data.testing.ImageFixtures.PNG_PALETTE;
import static org.infopro.data.testing.ImageFixtures.PNG_RGBA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of input comes out as 8-bit RGB with the colours it shows, or as the exact gray it stores. */
class ImageCodecColourTest {
    private static final long MAX = ImageCodec.DEFAULT_MAX_PIXELS;
    /** A JPEG at quality 95 moves a flat, block-aligned patch by a few levels at most. */
    private static final int JPEG_TOLERANCE = 6;

    private static final int[][] COLOURS = {{220, 30, 40}, {20, 200, 60}, {30, 50, 210}, {128, 128, 128}};

    /** A 64x64 image with four 16x16 colour patches on its diagonal-ish grid, each aligned to JPEG's blocks. */
    private static RgbImage patches() {
        RgbImage img = ImageFixtures.solid(64, 64, 255, 255, 255);
        for (int i = 0; i < COLOURS.length; i++) {
            img = ImageFixtures.paint(img, 16 * i, 16 * (i % 2) + 16, 16, COLOURS[i]);
        }
        return img;
    }

    private static void assertNear(int[] expected, RgbImage img, int x, int y, int tolerance) {
        for (int c = 0; c < 3; c++) {
            int actual = img.sample(x, y, c);
            assertTrue(Math.abs(actual - expected[c]) <= tolerance, "pixel (" + x + "," + y + ") channel " + c
                    + ": expected " + expected[c] + " +-" + tolerance + ", got " + actual);
        }
    }

    @Test
    void rgbJpegPatchesComeOutInRgbOrderWithinJpegTolerance() throws Exception {
        RgbImage out = ImageCodec.decodeRgb(ImageFixtures.jpeg(patches(), 95), MAX);
        assertEquals(64, out.width());
        assertEquals(3, out.channels());
        for (int i = 0; i < COLOURS.length; i++) {
            assertNear(COLOURS[i], out, 16 * i + 8, 16 * (i % 2) + 24, JPEG_TOLERANCE);
        }
        assertNear(new int[]{255, 255, 255}, out, 60, 4, JPEG_TOLERANCE);
    }

    @Test
    void grayJpegIsReplicatedIntoThreeEqualChannels() throws Exception {
        RgbImage gray = ImageFixtures.gray(32, 32, (x, y) -> x * 8);
        byte[] jpeg = ImageFixtures.jpeg(gray, 95);
        RgbImage rgb = ImageCodec.decodeRgb(jpeg, MAX);
        RgbImage g = ImageCodec.decodeGray(jpeg, MAX);
        assertEquals(1, g.channels());
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int v = rgb.sample(x, y, 0);
                assertEquals(v, rgb.sample(x, y, 1));
                assertEquals(v, rgb.sample(x, y, 2));
                assertEquals(g.sample(x, y, 0), v, "decodeRgb and decodeGray read the same gray");
                assertTrue(Math.abs(v - x * 8) <= JPEG_TOLERANCE, "gray at x=" + x + ": " + v);
            }
        }
    }

    /** Ink (C, M, Y, K; 0 = none) per 16x16 patch and the RGB it shows, (1 - C)(1 - K) per channel. */
    private static final int[][] INK = {{0, 0, 0, 0}, {255, 0, 0, 0}, {0, 255, 255, 0}, {0, 0, 0, 128},
            {128, 0, 255, 0}, {0, 0, 0, 255}, {0, 64, 0, 64}, {200, 200, 200, 0}};
    private static final int[][] INK_RGB = {{255, 255, 255}, {0, 255, 255}, {255, 0, 0}, {127, 127, 127},
            {127, 255, 0}, {0, 0, 0}, {191, 143, 191}, {55, 55, 55}};

    /** A 64x32 raster of the {@link #INK} patches, 4 per row. */
    private static byte[] inkPatches() {
        byte[] ink = new byte[64 * 32 * 4];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                int[] p = INK[(y / 16) * 4 + x / 16];
                for (int c = 0; c < 4; c++) {
                    ink[(y * 64 + x) * 4 + c] = (byte) p[c];
                }
            }
        }
        return ink;
    }

    private static void assertInkPatches(RgbImage out) {
        assertEquals(64, out.width());
        assertEquals(32, out.height());
        for (int i = 0; i < INK.length; i++) {
            assertNear(INK_RGB[i], out, (i % 4) * 16 + 8, (i / 4) * 16 + 8, JPEG_TOLERANCE);
        }
    }

    @Test
    void adobeCmykJpegIsReadAsInvertedInkAndNotShownInverted() throws Exception {
        byte[] jpeg = ImageFixtures.cmykJpeg(64, 32, inkPatches(), true, 95);
        assertEquals(0, jpeg[ImageFixtures.findMarker(jpeg, 0xEE) + 15], "fixture: Adobe transform 0");
        assertInkPatches(ImageCodec.decodeRgb(jpeg, MAX));
    }

    @Test
    void cmykJpegWithoutAdobeSegmentIsReadAsPlainInk() throws Exception {
        byte[] jpeg = ImageFixtures.cmykJpeg(64, 32, inkPatches(), false, 95);
        assertEquals(-1, ImageFixtures.findMarker(jpeg, 0xEE), "fixture: no Adobe segment");
        assertInkPatches(ImageCodec.decodeRgb(jpeg, MAX));
    }

    @Test
    void adobeYcckJpegIsConvertedThroughCmykToRgb() throws Exception {
        byte[] jpeg = ImageFixtures.ycckJpeg(64, 32, inkPatches(), 95);
        assertEquals(2, jpeg[ImageFixtures.findMarker(jpeg, 0xEE) + 15], "fixture: Adobe transform 2");
        assertInkPatches(ImageCodec.decodeRgb(jpeg, MAX));
    }

    @Test
    void rgbPngIsExact() throws Exception {
        RgbImage img = ImageFixtures.photoLike(37, 23, 3);
        assertArrayEquals(img.pixels(), ImageCodec.decodeRgb(ImageFixtures.png(img), MAX).pixels());
    }

    @Test
    void sixteenBitPngsAreRoundedToEightBits() throws Exception {
        int[] v = {0, 65535, 32896, 1000, 40000, 128, 129, 65406};
        int[] expected = {0, 255, 128, 4, 156, 0, 1, 254}; // round(v * 255 / 65535)
        RgbImage gray = ImageCodec.decodeRgb(ImageFixtures.png16(4, 2, 1, v), MAX);
        for (int i = 0; i < v.length; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[i], gray.sample(i % 4, i / 4, c), "gray16 " + v[i]);
            }
        }
        int[] rgb = new int[v.length * 3];
        for (int i = 0; i < v.length; i++) {
            rgb[3 * i] = v[i];
            rgb[3 * i + 1] = v[(i + 1) % v.length];
            rgb[3 * i + 2] = v[(i + 2) % v.length];
        }
        RgbImage colour = ImageCodec.decodeRgb(ImageFixtures.png16(4, 2, 3, rgb), MAX);
        for (int i = 0; i < v.length; i++) {
            assertEquals(expected[i], colour.sample(i % 4, i / 4, 0));
            assertEquals(expected[(i + 1) % v.length], colour.sample(i % 4, i / 4, 1));
            assertEquals(expected[(i + 2) % v.length], colour.sample(i % 4, i / 4, 2));
        }
    }

    @Test
    void palettePngsAreLookedUpIncludingPackedIndicesAndTransparentEntries() throws Exception {
        byte[] plte = {10, 20, 30, (byte) 200, 100, 50, 0, (byte) 255, 0, (byte) 255, (byte) 255, (byte) 255};
        byte[] trns = {0, (byte) 128}; // entry 0 fully transparent: its colour is kept, alpha dropped
        int[] idx = {0, 1, 2, 3, 3, 2, 1, 0};
        byte[] rows8 = new byte[idx.length];
        for (int i = 0; i < idx.length; i++) {
            rows8[i] = (byte) idx[i];
        }
        // 2-bit indices, 4 per byte from the high bits: row 0 = 0,1,2,3  row 1 = 3,2,1,0
        byte[] rows2 = {(byte) 0b00011011, (byte) 0b11100100};
        for (byte[] png : new byte[][]{ImageFixtures.png(4, 2, PNG_PALETTE, 8, rows8, plte, null),
                ImageFixtures.png(4, 2, PNG_PALETTE, 2, rows2, plte, trns)}) {
            RgbImage out = ImageCodec.decodeRgb(png, MAX);
            for (int i = 0; i < idx.length; i++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(plte[idx[i] * 3 + c] & 0xff, out.sample(i % 4, i / 4, c));
                }
            }
        }
    }

    @Test
    void alphaIsDroppedKeepingTheStoredColour() throws Exception {
        byte[] rgba = {10, 20, 30, 0, (byte) 250, (byte) 240, (byte) 230, (byte) 128, 1, 2, 3, (byte) 255};
        RgbImage out = ImageCodec.decodeRgb(ImageFixtures.png(3, 1, PNG_RGBA, 8, rgba, null, null), MAX);
        assertArrayEquals(new byte[]{10, 20, 30, (byte) 250, (byte) 240, (byte) 230, 1, 2, 3}, out.pixels());
        byte[] grayAlpha = {77, 0, (byte) 200, (byte) 255};
        RgbImage g = ImageCodec.decodeRgb(ImageFixtures.png(2, 1, PNG_GRAY_ALPHA, 8, grayAlpha, null, null), MAX);
        assertArrayEquals(new byte[]{77, 77, 77, (byte) 200, (byte) 200, (byte) 200}, g.pixels());
    }

    @Test
    void lowBitDepthGrayIsStretchedToTheFullRange() throws Exception {
        byte[] rows = {(byte) 0b00011011}; // 2-bit samples 0,1,2,3
        RgbImage out = ImageCodec.decodeRgb(ImageFixtures.png(4, 1, PNG_GRAY, 2, rows, null, null), MAX);
        int[] expected = {0, 85, 170, 255};
        for (int x = 0; x < 4; x++) {
            assertEquals(expected[x], out.sample(x, 0, 0));
            assertEquals(expected[x], out.sample(x, 0, 2));
        }
    }

    @Test
    void labelMaskKeepsItsExactClassIds() throws Exception {
        // Cityscapes labelIds: 0..33 plus 255 would be unusual but legal; every value must survive as stored
        RgbImage mask = ImageFixtures.gray(64, 32, (x, y) -> (x + 64 * y) % 34 == 0 ? 255 : (x + 64 * y) % 34);
        RgbImage out = ImageCodec.decodeGray(ImageFixtures.png(mask), MAX);
        assertEquals(1, out.channels());
        assertArrayEquals(mask.pixels(), out.pixels());
    }
}
