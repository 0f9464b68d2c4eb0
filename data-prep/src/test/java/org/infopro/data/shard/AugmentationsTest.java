package org.infopro.data.shard;

import org.infopro.data.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationsTest {

    /** An image whose red channel equals the mask value at every pixel, so alignment can be checked exactly. */
    private static RgbImage[] pairWithManyIds(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] mask = new byte[w * h];
        byte[] img = new byte[w * h * 3];
        for (int i = 0; i < mask.length; i++) {
            int v = r.nextInt(19);
            mask[i] = (byte) v;
            img[3 * i] = (byte) v;
            img[3 * i + 1] = (byte) (i % 251);
        }
        return new RgbImage[]{new RgbImage(w, h, 3, img), new RgbImage(w, h, 1, mask)};
    }

    @Test
    void scaleCropFlipKeepsMaskValuesExactAndAlignedWithTheImage() {
        RgbImage[] p = pairWithManyIds(40, 20, 1);
        Random rng = new Random(7);
        for (int t = 0; t < 20; t++) {
            // scale 1: the image is not resampled, so the red channel must equal the mask wherever it is not padding
            Augmentations.Pair out = Augmentations.scaleCropFlip(p[0], p[1], 1.0, 1.0, 16, 24, rng);
            assertEquals(24, out.image().width());
            assertEquals(16, out.image().height());
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 24; x++) {
                    assertEquals(out.mask().sample(x, y, 0), out.image().sample(x, y, 0), "misaligned at " + x + "," + y);
                }
            }
        }
        Set<Integer> seen = new HashSet<>();
        for (int t = 0; t < 30; t++) {
            Augmentations.Pair out = Augmentations.scaleCropFlip(p[0], p[1], 0.5, 2.0, 32, 64, rng);
            for (byte b : out.mask().pixels()) {
                seen.add(b & 0xff);
            }
        }
        seen.remove(Augmentations.IGNORE);
        assertTrue(seen.stream().allMatch(v -> v < 19), "a mask value was invented: " + seen);
    }

    @Test
    void scaleCropFlipPadsTheMaskWithIgnoreWhenTheFrameIsSmaller() {
        RgbImage[] p = pairWithManyIds(10, 6, 2);
        Augmentations.Pair out = Augmentations.scaleCropFlip(p[0], p[1], 1.0, 1.0, 8, 16, new Random(3));
        int ignored = 0;
        for (byte b : out.mask().pixels()) {
            ignored += (b & 0xff) == Augmentations.IGNORE ? 1 : 0;
        }
        assertEquals(8 * 16 - 10 * 6, ignored);
    }

    @Test
    void randomResizedCropGivesTheSizeAndVariesWithTheSeed() {
        RgbImage[] p = pairWithManyIds(50, 30, 4);
        RgbImage a = Augmentations.randomResizedCrop(p[0], 24, new Random(1));
        RgbImage b = Augmentations.randomResizedCrop(p[0], 24, new Random(1));
        RgbImage c = Augmentations.randomResizedCrop(p[0], 24, new Random(2));
        assertEquals(24, a.width());
        assertEquals(24, a.height());
        assertTrue(java.util.Arrays.equals(a.pixels(), b.pixels()), "same seed, same crop");
        assertTrue(!java.util.Arrays.equals(a.pixels(), c.pixels()), "another seed, another crop");
    }

    @Test
    void evaluationResizesTheShortSideThenTakesTheCentre() {
        byte[] px = new byte[64 * 32 * 3];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                px[(y * 64 + x) * 3] = (byte) (x < 16 || x >= 48 ? 0 : 200);
            }
        }
        RgbImage out = Augmentations.resizeCenterCrop(new RgbImage(64, 32, 3, px), 16, 16);
        assertEquals(16, out.width());
        // short side 32 -> 16 makes the frame 32x16; its centre 16 columns are the bright middle half
        for (int x = 1; x < 15; x++) {
            assertTrue(out.sample(x, 8, 0) > 150, "column " + x + " = " + out.sample(x, 8, 0));
        }
    }

    /** A generator that answers from scripts, to pin each branch of the distortion by hand. */
    private static Random scripted(boolean[] booleans, double[] doubles, int[] ints) {
        return new Random() {
            private int b;
            private int d;
            private int i;

            @Override
            public boolean nextBoolean() {
                return booleans[b++];
            }

            @Override
            public double nextDouble() {
                return doubles[d++];
            }

            @Override
            public int nextInt(int bound) {
                return ints[i++];
            }
        };
    }

    private static RgbImage rgb(int... px) {
        byte[] b = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            b[i] = (byte) px[i];
        }
        return new RgbImage(px.length / 3, 1, 3, b);
    }

    @Test
    void photometricDistortionClipsAndTruncatesEachStepAsMmsegmentationDoes() {
        // brightness +16 (-32 + 64 * 0.75), contrast first x0.75 (0.5 + 0.25), no saturation, no hue: on gray pixels
        // 100 -> 116 -> 87, and 250 -> 255 (clipped) -> 191 (191.25 truncated)
        Random r = scripted(new boolean[]{true, true, true, false, false}, new double[]{0.75, 0.25}, new int[0]);
        assertArrayEquals(rgb(87, 87, 87, 191, 191, 191).pixels(), Augmentations.photometric(rgb(100, 100, 100, 250, 250, 250), r)
                .pixels());
    }

    @Test
    void photometricHueAndSaturationTurnAndFadeColoursAndLeaveGrayAlone() {
        // hue +18 of OpenCV's 180 steps = 36 degrees: red becomes (255, 153, 0); gray stays gray
        Random hue = scripted(new boolean[]{false, false, false, true, false}, new double[0], new int[]{36});
        assertArrayEquals(rgb(255, 153, 0, 90, 90, 90).pixels(), Augmentations.photometric(rgb(255, 0, 0, 90, 90, 90), hue).pixels());
        // saturation x0.5 (0.5 + 0.0): red becomes (255, 128, 128)
        Random sat = scripted(new boolean[]{false, false, true, false, false}, new double[]{0.0}, new int[0]);
        assertArrayEquals(rgb(255, 128, 128).pixels(), Augmentations.photometric(rgb(255, 0, 0), sat).pixels());
    }
}
