package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the codec writes is a real JPEG or PNG that reads back as the image it was given. */
class ImageCodecEncodeTest {
    private static final long MAX = ImageCodec.DEFAULT_MAX_PIXELS;

    @Test
    void pngIsLosslessForRgbAndGray() throws Exception {
        RgbImage rgb = ImageFixtures.photoLike(53, 31, 4);
        byte[] png = ImageCodec.encodePng(rgb);
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(png));
        assertArrayEquals(rgb.pixels(), ImageCodec.decodeRgb(png, MAX).pixels());

        RgbImage mask = ImageFixtures.gray(40, 20, (x, y) -> (x * 7 + y) % 34);
        byte[] maskPng = ImageCodec.encodePng(mask);
        assertEquals(0, maskPng[25], "colour type 0: gray");
        assertArrayEquals(mask.pixels(), ImageCodec.decodeGray(maskPng, MAX).pixels());
    }

    @Test
    void jpegReadsBackCloseToTheSourceAndQualityTradesSize() throws Exception {
        RgbImage img = ImageFixtures.photoLike(96, 64, 9);
        byte[] q90 = ImageCodec.encodeJpeg(img, 90);
        JpegMarkers m = JpegMarkers.parse(q90);
        assertEquals(3, m.components());
        assertEquals(0xC0, m.sofMarker(), "baseline");
        RgbImage back = ImageCodec.decodeRgb(q90, MAX);
        double err = 0;
        for (int i = 0; i < img.pixels().length; i++) {
            err += Math.abs((img.pixels()[i] & 0xff) - (back.pixels()[i] & 0xff));
        }
        err /= img.pixels().length;
        assertTrue(err < 6, "mean absolute error at quality 90: " + err);
        assertTrue(ImageCodec.encodeJpeg(img, 50).length < q90.length);
        assertTrue(ImageCodec.encodeJpeg(img, 100).length > q90.length);
    }

    @Test
    void grayImageBecomesAOneComponentJpeg() throws Exception {
        RgbImage gray = ImageFixtures.gray(32, 16, (x, y) -> 8 * x);
        byte[] jpeg = ImageCodec.encodeJpeg(gray, 95);
        assertEquals(1, JpegMarkers.parse(jpeg).components());
        RgbImage back = ImageCodec.decodeGray(jpeg, MAX);
        for (int x = 0; x < 32; x++) {
            assertTrue(Math.abs(back.sample(x, 5, 0) - 8 * x) <= 4, "x=" + x + ": " + back.sample(x, 5, 0));
        }
    }

    @Test
    void jpegQualityOutsideOneToHundredIsRefused() {
        RgbImage img = ImageFixtures.solid(8, 8, 0, 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageCodec.encodeJpeg(img, 0));
        assertTrue(e.getMessage().contains("quality 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageCodec.encodeJpeg(img, 101));
    }
}
