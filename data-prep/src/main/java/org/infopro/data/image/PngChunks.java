package org.infopro.data.image;

import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.image.BadImageException.Stage;

import java.util.zip.CRC32;

/**
 * A PNG's chunk structure (PNG spec, 2nd edition, sections 5 and 11.2.2), read without inflating anything:
 * the IHDR fields, checked against their CRC, and a walk over the chunk lengths that finds a file cut short
 * before ImageIO gets to see it.
 *
 * @param width      from IHDR, 1 .. 2^31-1
 * @param height     from IHDR, 1 .. 2^31-1
 * @param bitDepth   1, 2, 4, 8 or 16
 * @param colorType  0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
 */
record PngChunks(int width, int height, int bitDepth, int colorType) {

    static final int GRAY = 0;
    static final int RGB = 2;
    static final int PALETTE = 3;
    static final int GRAY_ALPHA = 4;
    static final int RGBA = 6;

    /** Reads the IHDR that must follow the signature. TRUNCATED or CORRUPT at stage HEADER. */
    static PngChunks header(byte[] b) throws BadImageException {
        if (b.length < 33) {
            throw new BadImageException(Reason.TRUNCATED, Stage.HEADER,
                    "PNG of " + b.length + " bytes ends inside its IHDR chunk (needs 33)");
        }
        if (u32(b, 8) != 13 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw corrupt(Stage.HEADER, "the first chunk is not a 13-byte IHDR");
        }
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        if (crc.getValue() != u32(b, 29)) {
            throw corrupt(Stage.HEADER, "IHDR CRC mismatch: stored 0x" + Long.toHexString(u32(b, 29))
                    + ", computed 0x" + Long.toHexString(crc.getValue()));
        }
        long w = u32(b, 16);
        long h = u32(b, 20);
        int depth = b[24] & 0xff;
        int type = b[25] & 0xff;
        if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw corrupt(Stage.HEADER, "IHDR declares " + w + "x" + h);
        }
        if (!validDepth(type, depth)) {
            throw corrupt(Stage.HEADER, "IHDR declares bit depth " + depth + " for colour type " + type);
        }
        return new PngChunks((int) w, (int) h, depth, type);
    }

    /**
     * Walks the chunks after IHDR. TRUNCATED (stage DECODE) when a chunk runs past the end or IEND never
     * comes; CORRUPT when there is no IDAT. Returns whether a tRNS chunk is present.
     */
    static boolean checkComplete(byte[] b) throws BadImageException {
        int n = b.length;
        long pos = 8;
        boolean idat = false;
        boolean trns = false;
        while (true) {
            if (pos + 12 > n) {
                throw new BadImageException(Reason.TRUNCATED, Stage.DECODE,
                        "PNG data ends at byte " + n + " without an IEND chunk");
            }
            int p = (int) pos;
            long len = u32(b, p);
            if (pos + 12 + len > n) {
                throw new BadImageException(Reason.TRUNCATED, Stage.DECODE, "PNG chunk '" + type(b, p + 4)
                        + "' at byte " + pos + " declares " + len + " bytes but the data ends at byte " + n);
            }
            String type = type(b, p + 4);
            switch (type) {
                case "IDAT" -> idat = true;
                case "tRNS" -> trns = true;
                case "IEND" -> {
                    if (!idat) {
                        throw corrupt(Stage.DECODE, "no IDAT chunk before IEND");
                    }
                    return trns;
                }
                default -> { }
            }
            pos += 12 + len;
        }
    }

    private static boolean validDepth(int type, int depth) {
        return switch (type) {
            case GRAY -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case PALETTE -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case RGB, GRAY_ALPHA, RGBA -> depth == 8 || depth == 16;
            default -> false;
        };
    }

    private static String type(byte[] b, int p) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            int v = b[p + i] & 0xff;
            c[i] = v >= 0x20 && v < 0x7f ? (char) v : '?';
        }
        return new String(c);
    }

    static long u32(byte[] b, int p) {
        return (long) (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    private static BadImageException corrupt(Stage stage, String detail) {
        return new BadImageException(Reason.CORRUPT, stage, "PNG: " + detail);
    }
}
