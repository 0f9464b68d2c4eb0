package org.infopro.data.shard;

import org.infopro.data.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputTransformTest {
    private static final InputTransform PAD_RGB = new InputTransform(4, 3, InputTransform.Augment.NONE);

    @Test
    void zeroPadsCentredAndReplicatesGray() {
        byte[] px = {(byte) 255, 0, (byte) 51, (byte) 102}; // 2x2 gray
        float[] dst = new float[3 * 16];
        PAD_RGB.apply(px, 2, 2, 1, new int[]{4, 4, 3}, dst, 0, null);
        float[] plane = {0, 0, 0, 0, 0, 1f, 0, 0, 0, 0.2f, 0.4f, 0, 0, 0, 0, 0};
        for (int c = 0; c < 3; c++) {
            float[] got = java.util.Arrays.copyOfRange(dst, c * 16, c * 16 + 16);
            assertArrayEquals(plane, got, 1e-6f, "channel " + c);
        }
    }

    @Test
    void reflectPaddingDoesNotRepeatTheEdge() {
        assertEquals(1, InputTransform.reflect(-1, 5));
        assertEquals(4, InputTransform.reflect(-4, 5));
        assertEquals(3, InputTransform.reflect(5, 5));
        assertEquals(2, InputTransform.reflect(2, 5));
    }

    @Test
    void cropAndFlipEqualPadThenCropThenFlip() {
        int n = 6;
        byte[] px = new byte[n * n];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7);
        }
        InputTransform t = new InputTransform(0, 0, InputTransform.Augment.CROP_FLIP);
        for (long seed = 0; seed < 20; seed++) {
            float[] got = new float[n * n];
            t.apply(px, n, n, 1, new int[]{n, n, 1}, got, 0, new Random(seed));
            // the same draws, applied the textbook way: reflect-pad 4, crop at (4+dy, 4+dx), then flip
            Random r = new Random(seed);
            int dy = r.nextInt(9) - 4, dx = r.nextInt(9) - 4;
            boolean flip = r.nextBoolean();
            int p = n + 8;
            float[] padded = new float[p * p];
            for (int y = 0; y < p; y++) {
                for (int x = 0; x < p; x++) {
                    padded[y * p + x] = (px[InputTransform.reflect(y - 4, n) * n + InputTransform.reflect(x - 4, n)] & 0xff) / 255f;
                }
            }
            float[] expected = new float[n * n];
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    float v = padded[(y + 4 + dy) * p + (x + 4 + dx)];
                    expected[y * n + (flip ? n - 1 - x : x)] = v;
                }
            }
            assertArrayEquals(expected, got, 1e-6f, "seed " + seed);
        }
    }

    @Test
    void paddedStatisticsFollowExactlyFromTheManifest() {
        Random r = new Random(1);
        int count = 50;
        double sum = 0, sq = 0, psum = 0, psq = 0;
        float[] dst = new float[3 * 16];
        for (int i = 0; i < count; i++) {
            byte[] px = new byte[4];
            r.nextBytes(px);
            for (byte b : px) {
                double v = (b & 0xff) / 255.0;
                sum += v;
                sq += v * v;
            }
            PAD_RGB.apply(px, 2, 2, 1, new int[]{4, 4, 3}, dst, 0, null);
            for (int k = 0; k < 16; k++) {
                psum += dst[k];
                psq += (double) dst[k] * dst[k];
            }
        }
        double mean = sum / (count * 4), std = Math.sqrt(sq / (count * 4) - mean * mean);
        DatasetManifest m = new DatasetManifest(1, "t", "now", new DatasetManifest.ImageSpec(2, 2, 1, "uint8", "HWC", "raw"),
                List.of("a"), Map.of(), new DatasetManifest.ChannelStats("train", count * 4L, new double[]{mean}, new double[]{std}),
                Map.of(), Map.of(), Map.of(), null, null, null, null);
        double[][] ms = PAD_RGB.normalisation(m);
        double pmean = psum / (count * 16);
        assertEquals(pmean, ms[0][2], 1e-6);
        assertEquals(Math.sqrt(psq / (count * 16) - pmean * pmean), ms[1][2], 1e-6);
    }

    @Test
    void impossibleTransformsAreConfigErrors() {
        DatasetManifest.ImageSpec rgb = new DatasetManifest.ImageSpec(28, 28, 3, "uint8", "HWC", "raw");
        assertTrue(assertThrows(ConfigException.class, () -> new InputTransform(20, 0, InputTransform.Augment.NONE).outputShape(rgb))
                .getMessage().contains("--pad-to 20 is smaller than the 28x28 images"));
        assertTrue(assertThrows(ConfigException.class, () -> new InputTransform(0, 1, InputTransform.Augment.NONE).outputShape(rgb))
                .getMessage().contains("--channels 1 cannot be made from 3-channel images"));
    }
}
