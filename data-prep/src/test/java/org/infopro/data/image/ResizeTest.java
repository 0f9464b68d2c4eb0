package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResizeTest {

    private static RgbImage row(int... samples) {
        byte[] px = new byte[samples.length];
        for (int i = 0; i < samples.length; i++) {
            px[i] = (byte) samples[i];
        }
        return new RgbImage(samples.length, 1, 1, px);
    }

    @Test
    void shortSideKeepsTheAspectAndRoundsTheLongSide() {
        int[][] cases = {{500, 375, 341, 256}, {375, 500, 256, 341}, {640, 480, 341, 256}, {500, 333, 384, 256},
                {100, 50, 512, 256}, {300, 300, 256, 256}};
        for (int[] c : cases) {
            RgbImage out = Resize.shortSide(ImageFixtures.solid(c[0], c[1], 9, 9, 9), 256);
            assertEquals(c[2], out.width(), c[0] + "x" + c[1]);
            assertEquals(c[3], out.height(), c[0] + "x" + c[1]);
        }
        RgbImage already = ImageFixtures.solid(341, 256, 1, 2, 3);
        assertSame(already, Resize.shortSide(already, 256));
    }

    @Test
    void constantImageStaysConstantAtAnyScale() {
        int[][] sizes = {{341, 256}, {17, 9}, {1000, 13}, {3, 700}, {1, 1}};
        for (int[] s : sizes) {
            RgbImage out = Resize.resize(ImageFixtures.solid(500, 375, 200, 17, 255), s[0], s[1]);
            for (int i = 0; i < out.pixels().length; i += 3) {
                assertEquals(200, out.pixels()[i] & 0xff);
                assertEquals(17, out.pixels()[i + 1] & 0xff);
                assertEquals(255, out.pixels()[i + 2] & 0xff);
            }
            RgbImage gray = Resize.resize(ImageFixtures.gray(50, 37, (x, y) -> 99), s[0], s[1]);
            for (byte b : gray.pixels()) {
                assertEquals(99, b & 0xff);
            }
        }
    }

    @Test
    void downscaledCheckerboardAveragesToMidGray() {
        RgbImage fine = ImageFixtures.gray(64, 64, (x, y) -> ((x + y) & 1) * 255);     // 1-pixel cells
        RgbImage coarse = ImageFixtures.gray(64, 64, (x, y) -> ((x / 2 + y / 2) & 1) * 255); // 2x2 cells
        for (RgbImage board : new RgbImage[]{fine, coarse}) {
            for (int size : new int[]{8, 16, 11}) {
                RgbImage out = Resize.resize(board, size, size);
                for (int y = 1; y < size - 1; y++) {
                    for (int x = 1; x < size - 1; x++) {
                        int v = out.sample(x, y, 0);
                        assertTrue(Math.abs(v - 127.5) <= 4, size + "px: " + v + " at " + x + "," + y);
                    }
                }
            }
        }
    }

    /** Hand-computed with Pillow's BILINEAR rule: 4 -> 2 uses tent weights 3/7, 3/7, 1/7 over a widened window. */
    @Test
    void weightsAreThoseOfPillowsAntialiasedBilinear() {
        assertArrayEquals(new byte[]{71, 117}, Resize.resize(row(0, 100, 200, 40), 2, 1).pixels());
        assertArrayEquals(new byte[]{0, 25, 75, 100}, Resize.resize(row(0, 100), 4, 1).pixels());
        RgbImage column = new RgbImage(1, 4, 1, new byte[]{0, 100, (byte) 200, 40});
        assertArrayEquals(new byte[]{71, 117}, Resize.resize(column, 1, 2).pixels());
    }

    @Test
    void nearestCopiesValuesNeverInventsThem() {
        Set<Integer> labels = Set.of(0, 7, 26, 33, 255);
        Integer[] pool = labels.toArray(new Integer[0]);
        SplittableRandom rnd = new SplittableRandom(1);
        RgbImage mask = ImageFixtures.gray(97, 61, (x, y) -> pool[rnd.nextInt(pool.length)]);
        for (int[] s : new int[][]{{48, 30}, {200, 123}, {97, 61}, {13, 77}}) {
            RgbImage out = Resize.nearest(mask, s[0], s[1]);
            for (byte b : out.pixels()) {
                assertTrue(labels.contains(b & 0xff), "invented " + (b & 0xff));
            }
        }
        // pixel centres: 4 -> 2 takes sources floor(0.5*2)=1 and floor(1.5*2)=3; 2 -> 4 takes 0,0,1,1
        assertArrayEquals(new byte[]{20, 40}, Resize.nearest(row(10, 20, 30, 40), 2, 1).pixels());
        assertArrayEquals(new byte[]{10, 10, 20, 20}, Resize.nearest(row(10, 20), 4, 1).pixels());
        RgbImage rgb = Resize.nearest(ImageFixtures.solid(5, 5, 1, 2, 3), 3, 2);
        assertEquals(3, rgb.channels());
        assertEquals(2, rgb.sample(2, 1, 1));
    }

    @Test
    void centerCropTakesTheMiddleAndRefusesToGrow() {
        RgbImage img = ImageFixtures.gray(6, 5, (x, y) -> 10 * y + x);
        RgbImage out = Resize.centerCrop(img, 2, 2);
        assertArrayEquals(new byte[]{12, 13, 22, 23}, out.pixels()); // offsets floor(4/2)=2, floor(3/2)=1
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Resize.centerCrop(img, 7, 2));
        assertTrue(e.getMessage().contains("7x2"), e.getMessage());
        RgbImage rgb = Resize.centerCrop(ImageFixtures.photoLike(341, 256, 2), 224, 224);
        assertEquals(224, rgb.width());
        assertEquals(rgb.sample(0, 0, 2), ImageFixtures.photoLike(341, 256, 2).sample(58, 16, 2));
    }
}
