package org.infopro.data.image;

/**
 * Cheap facts from an encoded image's headers, without decoding: whether the file can be stored as it is
 * and still mean the same RGB picture to any reader. A "plain" file is an 8-bit three-component JPEG with
 * no EXIF rotation pending, or an 8-bit RGB PNG. Everything else (gray, CMYK/YCCK, 16-bit, palette, alpha,
 * rotated, PNG behind a JPEG name is fine as PNG) is re-encoded as RGB by the prep jobs.
 */
public final class ImageFacts {
    private ImageFacts() {
    }

    public static boolean isPlain(byte[] b, ImageFormat format) {
        if (format == ImageFormat.JPEG) {
            return plainJpeg(b);
        }
        if (format == ImageFormat.PNG) {
            // IHDR follows the 8-byte signature and the chunk length/type: width 16..19, height 20..23,
            // bit depth 24, colour type 25 (2 = RGB).
            return b.length > 26 && (b[24] & 0xff) == 8 && (b[25] & 0xff) == 2;
        }
        return false;
    }

    private static boolean plainJpeg(byte[] b) {
        int i = 2;
        boolean threeComponents = false;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return false;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                i += 2;
                continue;
            }
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            int body = i + 4;
            if (len < 2 || body + len - 2 > b.length) {
                return false;
            }
            if (marker == 0xE1 && exifOrientation(b, body, len - 2) > 1) {
                return false;
            }
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                int precision = b[body] & 0xff;
                int components = b[body + 5] & 0xff;
                threeComponents = precision == 8 && components == 3;
                if (!threeComponents) {
                    return false;
                }
            }
            if (marker == 0xDA) {
                return threeComponents;
            }
            i = body + len - 2;
        }
        return false;
    }

    /** The EXIF orientation in an APP1 body, or 0 when absent or unreadable. */
    static int exifOrientation(byte[] b, int start, int len) {
        int end = start + len;
        if (len < 14 || b[start] != 'E' || b[start + 1] != 'x' || b[start + 2] != 'i' || b[start + 3] != 'f') {
            return 0;
        }
        int tiff = start + 6;
        boolean little = b[tiff] == 'I';
        int ifd = tiff + u32(b, tiff + 4, little);
        if (ifd < tiff || ifd + 2 > end) {
            return 0;
        }
        int entries = u16(b, ifd, little);
        for (int e = 0; e < entries; e++) {
            int at = ifd + 2 + 12 * e;
            if (at + 12 > end) {
                return 0;
            }
            if (u16(b, at, little) == 0x0112) {
                return u16(b, at + 8, little);
            }
        }
        return 0;
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 : (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static int u32(byte[] b, int i, boolean little) {
        return little ? u16(b, i, true) | u16(b, i + 2, true) << 16 : u16(b, i, false) << 16 | u16(b, i + 2, false);
    }
}
