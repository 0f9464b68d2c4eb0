package org.infopro.data.image;

import org.infopro.data.testing.ImageFixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's synthetic photos are deterministic and compress like photographs, not like flat colour or noise. */
class PhotoLikeFixtureTest {

    @Test
    void sameSeedSameImageOtherSeedOtherImage() {
        assertArrayEquals(ImageFixtures.photoLike(120, 80, 42).pixels(), ImageFixtures.photoLike(120, 80, 42).pixels());
        assertFalse(java.util.Arrays.equals(ImageFixtures.photoLike(120, 80, 42).pixels(),
                ImageFixtures.photoLike(120, 80, 43).pixels()));
    }

    @Test
    void jpegAtQuality90TakesAFewBitsPerPixelLikeAPhotograph() {
        for (long seed = 0; seed < 4; seed++) {
            RgbImage img = ImageFixtures.photoLike(500, 375, seed);
            double bpp = ImageFixtures.jpeg(img, 90).length * 8.0 / (500 * 375);
            assertTrue(bpp > 1.0 && bpp < 6.0, "seed " + seed + ": " + bpp + " bits per pixel");
            double mean = 0;
            for (byte b : img.pixels()) {
                mean += b & 0xff;
            }
            mean /= img.pixels().length;
            double var = 0;
            for (byte b : img.pixels()) {
                var += ((b & 0xff) - mean) * ((b & 0xff) - mean);
            }
            double sd = Math.sqrt(var / img.pixels().length);
            assertTrue(sd > 25, "seed " + seed + ": standard deviation " + sd);
        }
    }
}
