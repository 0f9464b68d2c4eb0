package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JPEGs with an EXIF orientation come out upright: a marked stored corner lands where the camera meant it. */
class ExifOrientationTest {
    private static final long MAX = ImageCodec.DEFAULT_MAX_PIXELS;
    private static final int[] RED = {230, 20, 20};

    /** A 64x32 stored image (landscape as stored), white with a red 16x16 block in its stored top-left corner. */
    private static byte[] storedWithRedTopLeft() {
        RgbImage img = ImageFixtures.paint(ImageFixtures.solid(64, 32, 255, 255, 255), 0, 0, 16, RED);
        return ImageFixtures.jpeg(img, 95);
    }

    private static boolean isRed(RgbImage img, int x, int y) {
        return img.sample(x, y, 0) > 200 && img.sample(x, y, 1) < 60 && img.sample(x, y, 2) < 60;
    }

    /** The red block's corner in the output: TL, TR, BL or BR. */
    private static String redCorner(RgbImage img) {
        int w = img.width() - 1;
        int h = img.height() - 1;
        StringBuilder sb = new StringBuilder();
        if (isRed(img, 2, 2)) sb.append("TL");
        if (isRed(img, w - 2, 2)) sb.append("TR");
        if (isRed(img, 2, h - 2)) sb.append("BL");
        if (isRed(img, w - 2, h - 2)) sb.append("BR");
        return sb.toString();
    }

    @Test
    void orientation6IsTurnedClockwiseSoTheStoredTopLeftEndsTopRight() throws Exception {
        byte[] jpeg = ImageFixtures.withExifOrientation(storedWithRedTopLeft(), 6, false);
        RgbImage out = ImageCodec.decodeRgb(jpeg, MAX);
        assertEquals(32, out.width());
        assertEquals(64, out.height());
        assertEquals("TR", redCorner(out));
        ImageHeader h = ImageCodec.header(jpeg);
        assertEquals(32, h.width(), "the header reports the upright size");
        assertEquals(64, h.height());
    }

    @Test
    void orientation8IsTurnedCounterClockwiseFromALittleEndianExifBlock() throws Exception {
        RgbImage out = ImageCodec.decodeRgb(ImageFixtures.withExifOrientation(storedWithRedTopLeft(), 8, true), MAX);
        assertEquals(32, out.width());
        assertEquals("BL", redCorner(out));
    }

    @Test
    void orientation3IsTurnedHalfWay() throws Exception {
        RgbImage out = ImageCodec.decodeRgb(ImageFixtures.withExifOrientation(storedWithRedTopLeft(), 3, false), MAX);
        assertEquals(64, out.width());
        assertEquals("BR", redCorner(out));
    }

    @Test
    void withoutOrientationTheImageIsLeftAsStored() throws Exception {
        assertEquals("TL", redCorner(ImageCodec.decodeRgb(storedWithRedTopLeft(), MAX)));
        assertEquals("TL", redCorner(ImageCodec.decodeRgb(
                ImageFixtures.withExifOrientation(storedWithRedTopLeft(), 1, true), MAX)));
    }

    /**
     * All eight values against EXIF 2.3's table: where the stored top-left and top-right pixels are shown.
     * Two corners pin down each of the eight rotations and mirrors.
     */
    @Test
    void allEightOrientationsPlaceTheStoredCornersAsTheExifTableSays() {
        String[] topLeftGoesTo = {null, "TL", "TR", "BR", "BL", "TL", "TR", "BR", "BL"};
        String[] topRightGoesTo = {null, "TR", "TL", "BL", "BR", "BL", "BR", "TR", "TL"};
        int w = 3;
        int h = 2;
        byte[] px = new byte[w * h];
        px[0] = 1;      // stored top-left
        px[w - 1] = 2;  // stored top-right
        RgbImage stored = new RgbImage(w, h, 1, px);
        for (int o = 1; o <= 8; o++) {
            RgbImage out = ExifOrientation.apply(stored, o);
            assertEquals(o >= 5 ? h : w, out.width(), "orientation " + o);
            assertEquals(topLeftGoesTo[o], cornerOf(out, 1), "stored top-left, orientation " + o);
            assertEquals(topRightGoesTo[o], cornerOf(out, 2), "stored top-right, orientation " + o);
        }
    }

    private static String cornerOf(RgbImage img, int value) {
        int w = img.width() - 1;
        int h = img.height() - 1;
        String[] names = {"TL", "TR", "BL", "BR"};
        int[][] at = {{0, 0}, {w, 0}, {0, h}, {w, h}};
        for (int i = 0; i < 4; i++) {
            if (img.sample(at[i][0], at[i][1], 0) == value) {
                return names[i];
            }
        }
        assertTrue(false, "value " + value + " is in no corner");
        return null;
    }
}
