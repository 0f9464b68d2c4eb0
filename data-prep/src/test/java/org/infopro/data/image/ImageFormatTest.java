package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ImageFormatTest {

    private static byte[] imageIo(String format) throws IOException {
        BufferedImage bi = new BufferedImage(8, 8, format.equals("gif") ? BufferedImage.TYPE_BYTE_INDEXED
                : BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(bi, format, out);
        return out.toByteArray();
    }

    @Test
    void eachFormatIsKnownByItsMagicBytes() throws IOException {
        assertEquals(ImageFormat.JPEG, ImageFormat.sniff(ImageFixtures.jpeg(ImageFixtures.solid(8, 8, 1, 2, 3), 90)));
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(ImageFixtures.png(ImageFixtures.solid(8, 8, 1, 2, 3))));
        assertEquals(ImageFormat.GIF, ImageFormat.sniff(imageIo("gif")));
        assertEquals(ImageFormat.BMP, ImageFormat.sniff(imageIo("bmp")));
    }

    @Test
    void textEmptyAndLookalikesAreUnknown() {
        assertNull(ImageFormat.sniff(ImageFixtures.text()));
        assertNull(ImageFormat.sniff(new byte[0]));
        assertNull(ImageFormat.sniff(new byte[]{(byte) 0xff, (byte) 0xd8}));
        assertNull(ImageFormat.sniff("BM is how this note starts, but it is text".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void pngSavedUnderAJpegNameIsReadAsThePngItIs(@TempDir Path dir) throws Exception {
        RgbImage img = ImageFixtures.photoLike(40, 30, 7);
        Path file = ImageFixtures.write(dir, "n02105855_2933.JPEG", ImageFixtures.png(img));
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(bytes));
        assertEquals(ImageFormat.PNG, ImageCodec.header(bytes).format());
        assertArrayEquals(img.pixels(), ImageCodec.decodeRgb(bytes, ImageCodec.DEFAULT_MAX_PIXELS).pixels());
    }
}
