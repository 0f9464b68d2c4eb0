package org.infopro.data.image;

/**
 * Cheap facts from an encoded image's headers, without decoding: whether the file can be stored as it is
 * and still mean the same RGB picture to any reader. A "plain" file is an 8-bit three-component JPEG that
 * ImageIO decodes, with no Adobe CMYK/YCCK transform and no EXIF rotation pending, or an 8-bit RGB PNG.
 * Everything else (gray, CMYK/YCCK, 16-bit, palette, alpha, rotated) is re-encoded as RGB by the prep jobs.
 */
public final class ImageFacts {
    private ImageFacts() {
    }

    public static boolean isPlain(byte[] b, ImageFormat format) {
        try {
            if (format == ImageFormat.JPEG) {
                JpegMarkers m = JpegMarkers.parse(b);
                return m.components() == 3 && m.precision() == 8 && m.decodableProcess() && m.orientation() <= 1;
            }
            if (format == ImageFormat.PNG) {
                PngChunks h = PngChunks.header(b);
                return h.bitDepth() == 8 && h.colorType() == PngChunks.RGB;
            }
        } catch (BadImageException e) {
            return false;
        }
        return false;
    }
}
