package org.infopro.data.image;

/**
 * What an image's header says, read without decoding a pixel: enough to refuse a decompression bomb and to
 * record sizes. For a JPEG, width and height are those of the upright image, after its EXIF orientation
 * (as {@link ImageCodec#decodeRgb} returns it); the pixel count is the same either way.
 */
public record ImageHeader(ImageFormat format, int width, int height) {
    public long pixels() {
        return (long) width * height;
    }
}
