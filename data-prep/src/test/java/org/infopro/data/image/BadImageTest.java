package org.infopro.data.image;

import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.image.BadImageException.Stage;
import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of bad input is refused with its reason and stage, and nothing else ever escapes the codec. */
class BadImageTest {
    private static final long MAX = ImageCodec.DEFAULT_MAX_PIXELS;

    private static void assertBad(Reason reason, Stage stage, Executable decode) {
        BadImageException e = assertThrows(BadImageException.class, decode);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(stage, e.stage(), e.getMessage());
    }

    private static byte[] photoJpeg() {
        return ImageFixtures.jpeg(ImageFixtures.photoLike(160, 120, 11), 90);
    }

    private static byte[] photoPng() {
        return ImageFixtures.png(ImageFixtures.photoLike(160, 120, 12));
    }

    @Test
    void zeroByteFileIsEmptyAtRead() {
        assertBad(Reason.EMPTY_FILE, Stage.READ, () -> ImageCodec.decodeRgb(new byte[0], MAX));
        assertBad(Reason.EMPTY_FILE, Stage.READ, () -> ImageCodec.header(new byte[0]));
        assertBad(Reason.EMPTY_FILE, Stage.READ, () -> ImageCodec.decodeGray(new byte[0], MAX));
    }

    @Test
    void textFileIsNotAnImageAtSniff() {
        assertBad(Reason.NOT_AN_IMAGE, Stage.SNIFF, () -> ImageCodec.decodeRgb(ImageFixtures.text(), MAX));
        BadImageException e = assertThrows(BadImageException.class, () -> ImageCodec.header(ImageFixtures.text()));
        assertTrue(e.getMessage().contains("6e 30 31"), "names the bytes it saw: " + e.getMessage());
    }

    @Test
    void truncatedJpegIsTruncatedAtDecodeThoughImageIoWouldPadIt() {
        byte[] cut = ImageFixtures.truncated(photoJpeg(), 0.6);
        assertBad(Reason.TRUNCATED, Stage.DECODE, () -> ImageCodec.decodeRgb(cut, MAX));
    }

    @Test
    void jpegCutShortAndGivenAFakeEndMarkerIsStillTruncated() {
        byte[] cut = ImageFixtures.truncated(photoJpeg(), 0.6);
        byte[] withEoi = java.util.Arrays.copyOf(cut, cut.length + 2);
        withEoi[cut.length] = (byte) 0xff;
        withEoi[cut.length + 1] = (byte) 0xd9;
        assertBad(Reason.TRUNCATED, Stage.DECODE, () -> ImageCodec.decodeRgb(withEoi, MAX));
    }

    @Test
    void jpegCutInsideItsHeaderIsTruncatedAtHeader() {
        byte[] jpeg = photoJpeg();
        byte[] cut = java.util.Arrays.copyOf(jpeg, ImageFixtures.findMarker(jpeg, 0xC0) + 4);
        assertBad(Reason.TRUNCATED, Stage.HEADER, () -> ImageCodec.header(cut));
        assertBad(Reason.TRUNCATED, Stage.HEADER, () -> ImageCodec.decodeRgb(cut, MAX));
    }

    @Test
    void truncatedPngIsTruncated() {
        assertBad(Reason.TRUNCATED, Stage.DECODE, () -> ImageCodec.decodeRgb(ImageFixtures.truncated(photoPng(), 0.6), MAX));
        byte[] png = photoPng();
        byte[] noEnd = java.util.Arrays.copyOf(png, png.length - 12);
        assertBad(Reason.TRUNCATED, Stage.DECODE, () -> ImageCodec.decodeRgb(noEnd, MAX));
        assertBad(Reason.TRUNCATED, Stage.HEADER, () -> ImageCodec.header(java.util.Arrays.copyOf(png, 20)));
    }

    @Test
    void pngWithDamagedPixelDataIsCorruptAtDecode() {
        byte[] png = photoPng();
        for (int i = 60; i < 90; i++) {
            png[i] ^= (byte) 0x5a; // inside the IDAT's deflate stream; chunk lengths untouched
        }
        assertBad(Reason.CORRUPT, Stage.DECODE, () -> ImageCodec.decodeRgb(png, MAX));
    }

    @Test
    void pngHeaderWithAWrongCrcIsCorruptAtHeader() {
        byte[] png = photoPng();
        png[17] ^= 1; // width, no longer matching the IHDR CRC
        assertBad(Reason.CORRUPT, Stage.HEADER, () -> ImageCodec.header(png));
    }

    @Test
    void pngDeclaringTenGigapixelsIsRefusedFromItsHeaderWithoutDecoding() {
        byte[] bomb = ImageFixtures.pngDeclaring(100_000, 100_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            ImageHeader h = ImageCodec.header(bomb);
            assertEquals(100_000, h.width());
            assertEquals(10_000_000_000L, h.pixels());
            assertBad(Reason.TOO_MANY_PIXELS, Stage.HEADER, () -> ImageCodec.decodeRgb(bomb, MAX));
            assertBad(Reason.TOO_MANY_PIXELS, Stage.HEADER, () -> ImageCodec.decodeRgb(bomb, Long.MAX_VALUE));
        });
    }

    @Test
    void jpegDeclaring60000x60000IsRefusedFromItsHeaderWithoutDecoding() {
        byte[] bomb = ImageFixtures.jpegDeclaring(60_000, 60_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            ImageHeader h = ImageCodec.header(bomb);
            assertEquals(60_000, h.width());
            assertEquals(60_000, h.height());
            assertBad(Reason.TOO_MANY_PIXELS, Stage.HEADER, () -> ImageCodec.decodeRgb(bomb, MAX));
        });
    }

    @Test
    void pixelLimitIsCheckedAgainstTheHeader() throws Exception {
        byte[] jpeg = ImageFixtures.jpeg(ImageFixtures.solid(64, 48, 1, 2, 3), 90);
        assertEquals(64, ImageCodec.decodeRgb(jpeg, 64 * 48).width());
        assertBad(Reason.TOO_MANY_PIXELS, Stage.HEADER, () -> ImageCodec.decodeRgb(jpeg, 64 * 48 - 1));
    }

    @Test
    void decodeGrayRefusesWhatIsNotEightBitSingleChannel() {
        RgbImage colour = ImageFixtures.photoLike(16, 16, 1);
        assertBad(Reason.UNSUPPORTED, Stage.HEADER, () -> ImageCodec.decodeGray(ImageFixtures.png(colour), MAX));
        assertBad(Reason.UNSUPPORTED, Stage.HEADER, () -> ImageCodec.decodeGray(ImageFixtures.jpeg(colour, 90), MAX));
        assertBad(Reason.UNSUPPORTED, Stage.HEADER,
                () -> ImageCodec.decodeGray(ImageFixtures.png16(2, 1, 1, new int[]{0, 65535}), MAX));
        byte[] palette = ImageFixtures.png(2, 1, ImageFixtures.PNG_PALETTE, 8, new byte[]{0, 1},
                new byte[]{0, 0, 0, 7, 7, 7}, null);
        assertBad(Reason.UNSUPPORTED, Stage.HEADER, () -> ImageCodec.decodeGray(palette, MAX));
    }

    /**
     * Cuts and flipped bytes anywhere in a JPEG or PNG: the outcome is an image or a BadImageException,
     * never an exception from ImageIO.
     */
    @Test
    void damagedFilesNeverLetAnImageIoExceptionEscape() {
        SplittableRandom rnd = new SplittableRandom(5);
        byte[][] originals = {photoJpeg(), photoPng(), ImageFixtures.jpeg(ImageFixtures.gray(48, 40, (x, y) -> x ^ y), 80),
                ImageFixtures.cmykJpeg(32, 16, new byte[32 * 16 * 4], true, 90)};
        for (int trial = 0; trial < 240; trial++) {
            byte[] b = originals[trial % originals.length].clone();
            if (rnd.nextBoolean()) {
                b = java.util.Arrays.copyOf(b, 1 + rnd.nextInt(b.length));
            }
            for (int k = rnd.nextInt(4); k > 0; k--) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            byte[] input = b;
            try {
                RgbImage img = ImageCodec.decodeRgb(input, MAX);
                assertEquals(3, img.channels());
            } catch (BadImageException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            } catch (RuntimeException e) {
                throw new AssertionError("trial " + trial + " let " + e + " escape", e);
            }
        }
    }
}
