package org.infopro.data.image;

/**
 * Turns a decoded image upright from its EXIF orientation (EXIF 2.3, tag 0x0112): the value says where the
 * stored rows and columns belong on screen, and the stored image is rotated/mirrored so that its first row
 * ends up at the visual top and its first column at the visual left, as Pillow's {@code exif_transpose} does.
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /** {@code img} upright for {@code orientation} 1..8; 1 (or anything else) returns it unchanged. */
    static RgbImage apply(RgbImage img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        int c = img.channels();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = img.pixels();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the stored pixel shown at (x, y) on screen
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }           // mirrored left-right
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }   // turned 180
                    case 4 -> { sx = x; sy = h - 1 - y; }           // mirrored top-bottom
                    case 5 -> { sx = y; sy = x; }                   // transposed
                    case 6 -> { sx = y; sy = h - 1 - x; }           // needs 90 clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }   // transversed
                    default -> { sx = w - 1 - y; sy = x; }          // 8: needs 90 counter-clockwise
                }
                int s = (sy * w + sx) * c;
                for (int k = 0; k < c; k++) {
                    dst[o++] = src[s + k];
                }
            }
        }
        return new RgbImage(ow, oh, c, dst);
    }
}
