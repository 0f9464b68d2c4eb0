package org.infopro.data.image;

/**
 * The encoded image formats the prep reads, told apart by their leading magic bytes and never by the file
 * name: ImageNet ships PNG and CMYK files named {@code .JPEG}, and a name says nothing about content.
 */
public enum ImageFormat {
    JPEG,
    PNG,
    /** Read through ImageIO's GIF reader; the first frame only. */
    GIF,
    /** Read through ImageIO's BMP reader. */
    BMP;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /**
     * The format whose signature {@code bytes} starts with, or null when none matches. JPEG is
     * {@code FF D8 FF}, PNG its 8-byte signature, GIF {@code GIF87a}/{@code GIF89a}; BMP's two-byte
     * {@code BM} is only believed when the DIB header size at offset 14 is one of the known ones, so a
     * text file that starts with "BM" is not taken for a bitmap.
     */
    public static ImageFormat sniff(byte[] bytes) {
        int n = bytes.length;
        if (n >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return JPEG;
        }
        if (startsWith(bytes, PNG_SIGNATURE)) {
            return PNG;
        }
        if (n >= 6 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == '8'
                && (bytes[4] == '7' || bytes[4] == '9') && bytes[5] == 'a') {
            return GIF;
        }
        if (n >= 18 && bytes[0] == 'B' && bytes[1] == 'M') {
            int dib = (bytes[14] & 0xff) | (bytes[15] & 0xff) << 8 | (bytes[16] & 0xff) << 16 | (bytes[17] & 0xff) << 24;
            if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
                return BMP;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
