package org.infopro.data.image;

import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.image.BadImageException.Stage;

import javax.imageio.IIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.spi.ImageWriterSpi;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;

/**
 * Decodes and encodes the images of dataset prep with the JDK alone (ImageIO's readers and writers), turning
 * every way an input can be bad into a {@link BadImageException} with a reason and a stage: nothing thrown by
 * ImageIO escapes.
 *
 * <p>Decoding first reads the header (format from the magic bytes, then JPEG markers or the PNG IHDR) and
 * refuses an image whose declared pixel count exceeds {@code maxPixels} before any pixel is decoded, so a
 * decompression bomb costs a few bytes of parsing. {@link #decodeRgb} then returns 3 channels in RGB order:
 * <ul>
 *   <li>gray is replicated; gray+alpha and RGBA drop the alpha channel, keeping the colour stored under it
 *       (no compositing onto a background), as Pillow's {@code convert("RGB")} does;</li>
 *   <li>palette images are looked up in their palette (the alpha of a tRNS entry is dropped likewise);</li>
 *   <li>16-bit samples become {@code round(v * 255 / 65535)}, 1/2/4-bit gray is stretched to 0..255;</li>
 *   <li>CMYK and YCCK JPEGs, which ImageIO's {@code read} refuses, are read as raw 4-band rasters and
 *       converted here: YCCK to CMYK as libjpeg does, then, when an Adobe APP14 segment is present, the
 *       samples are taken as inverted (Photoshop stores 255 for "no ink"), and finally the naive
 *       {@code R = (255 - C) * (255 - K) / 255} without any ICC profile, as Pillow and ImageMagick do
 *       without a profile. Print-oriented colours therefore come out approximate, never inverted;</li>
 *   <li>a JPEG's EXIF orientation (APP1, IFD0 tag 0x0112) is applied, so the result is upright.</li>
 * </ul>
 * A JPEG without its EOI marker, or one that libjpeg reports as "premature end" (of the file, or of a data
 * segment cut short by a marker), is TRUNCATED even though ImageIO would return it with gray rows at the
 * bottom; libjpeg's other warnings (extraneous bytes before a marker, common in ImageNet, or a bad Huffman
 * code) are tolerated and the image is returned, as Pillow does. A PNG whose chunks run past the end or that lacks IEND
 * is TRUNCATED.
 *
 * <p>The hot paths (8-bit RGB PNG, 3- and 1-component JPEG) decode straight into the output array through an
 * RGB-ordered destination image, so there is no per-pixel copy or BGR swap after ImageIO.
 */
public final class ImageCodec {
    /** A default pixel limit for natural-image datasets: 178 megapixels, Pillow's decompression-bomb error. */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final ImageReaderSpi JPEG_READER = readerSpi("jpeg");
    private static final ImageReaderSpi PNG_READER = readerSpi("png");
    private static final ImageReaderSpi GIF_READER = readerSpi("gif");
    private static final ImageReaderSpi BMP_READER = readerSpi("bmp");
    private static final ImageWriterSpi JPEG_WRITER = writerSpi("jpeg");
    private static final ImageWriterSpi PNG_WRITER = writerSpi("png");

    private ImageCodec() {
    }

    /**
     * The format and size of an image from its header alone. EMPTY_FILE (stage READ) for zero bytes,
     * NOT_AN_IMAGE (SNIFF) for an unknown signature, CORRUPT or TRUNCATED (HEADER) for a broken header.
     */
    public static ImageHeader header(byte[] bytes) throws BadImageException {
        ImageFormat format = sniff(bytes);
        switch (format) {
            case JPEG -> {
                JpegMarkers j = jpegMarkers(bytes);
                return j.swapsAxes() ? new ImageHeader(format, j.height(), j.width())
                        : new ImageHeader(format, j.width(), j.height());
            }
            case PNG -> {
                PngChunks p = PngChunks.header(bytes);
                return new ImageHeader(format, p.width(), p.height());
            }
            default -> {
                ImageReader r = newReader(readerSpi(format));
                try {
                    r.setInput(new ByteArrayImageInputStream(bytes), true, true);
                    return new ImageHeader(format, r.getWidth(0), r.getHeight(0));
                } catch (IOException | RuntimeException e) {
                    throw fromImageIo(format, Stage.HEADER, e);
                } finally {
                    r.dispose();
                }
            }
        }
    }

    /**
     * The image as 8-bit RGB, upright, after the conversions listed in the class documentation. Refuses an
     * image whose header declares more than {@code maxPixels} pixels (TOO_MANY_PIXELS, stage HEADER)
     * without decoding it.
     */
    public static RgbImage decodeRgb(byte[] bytes, long maxPixels) throws BadImageException {
        ImageFormat format = sniff(bytes);
        return switch (format) {
            case JPEG -> decodeJpeg(bytes, maxPixels, false);
            case PNG -> decodePng(bytes, maxPixels, false);
            default -> decodeOther(format, bytes, maxPixels);
        };
    }

    /**
     * A single-channel 8-bit image with its samples exactly as stored, for segmentation masks whose values
     * are class ids (Cityscapes {@code *_labelIds.png}). Accepts 8-bit gray PNGs (any tRNS is ignored) and
     * 1-component JPEGs; everything else (colour, palette, 16-bit, alpha) is UNSUPPORTED at stage HEADER
     * rather than converted, because converting colours would invent class ids. A JPEG's EXIF orientation is
     * applied, as in {@link #decodeRgb}, so a mask stays aligned with its image.
     */
    public static RgbImage decodeGray(byte[] bytes, long maxPixels) throws BadImageException {
        ImageFormat format = sniff(bytes);
        return switch (format) {
            case JPEG -> decodeJpeg(bytes, maxPixels, true);
            case PNG -> decodePng(bytes, maxPixels, true);
            default -> throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER,
                    "decodeGray reads 8-bit gray PNG or JPEG masks; got " + format);
        };
    }

    /**
     * Baseline JFIF at {@code quality} 1..100 with the IJG quality scaling of the Annex K tables (ImageIO
     * quality {@code q / 100} is libjpeg's {@code -quality q}); colour is subsampled 4:2:0, gray stays
     * one channel.
     */
    public static byte[] encodeJpeg(RgbImage img, int quality) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality " + quality + " is outside 1..100; 90 keeps"
                    + " dataset images close to their source");
        }
        ImageWriter w = newWriter(JPEG_WRITER);
        try {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            return write(w, img, p, img.pixels().length / 6);
        } finally {
            w.dispose();
        }
    }

    /** A lossless PNG, colour type 2 (RGB) or 0 (gray) by the image's channels, 8 bits per sample. */
    public static byte[] encodePng(RgbImage img) {
        ImageWriter w = newWriter(PNG_WRITER);
        try {
            return write(w, img, null, img.pixels().length / 2);
        } finally {
            w.dispose();
        }
    }

    // ---------------------------------------------------------------------------------------------- decoding

    private static ImageFormat sniff(byte[] bytes) throws BadImageException {
        if (bytes == null || bytes.length == 0) {
            throw new BadImageException(Reason.EMPTY_FILE, Stage.READ, "the file has 0 bytes");
        }
        ImageFormat f = ImageFormat.sniff(bytes);
        if (f == null) {
            byte[] head = java.util.Arrays.copyOf(bytes, Math.min(8, bytes.length));
            throw new BadImageException(Reason.NOT_AN_IMAGE, Stage.SNIFF, "first bytes "
                    + HexFormat.ofDelimiter(" ").formatHex(head) + " match no supported format (JPEG, PNG, GIF, BMP)");
        }
        return f;
    }

    private static JpegMarkers jpegMarkers(byte[] bytes) throws BadImageException {
        JpegMarkers j = JpegMarkers.parse(bytes);
        if (j.height() == 0) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER,
                    "JPEG height 0 (defined later by a DNL marker), which ImageIO does not support");
        }
        return j;
    }

    private static void checkPixels(int width, int height, long maxPixels) throws BadImageException {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new BadImageException(Reason.TOO_MANY_PIXELS, Stage.HEADER, "header declares " + width + "x"
                    + height + " = " + pixels + " pixels, more than the limit of " + maxPixels
                    + "; raise the pixel limit if such images are expected");
        }
        if (pixels * 4 > MAX_ARRAY) { // a CMYK raster holds 4 samples per pixel in one array
            throw new BadImageException(Reason.TOO_MANY_PIXELS, Stage.HEADER, "header declares " + width + "x"
                    + height + " = " + pixels + " pixels, too many for one Java array");
        }
    }

    private static RgbImage decodeJpeg(byte[] bytes, long maxPixels, boolean gray) throws BadImageException {
        JpegMarkers j = jpegMarkers(bytes);
        checkPixels(j.width(), j.height(), maxPixels);
        if (!j.decodableProcess()) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER, "JPEG process SOF"
                    + (j.sofMarker() - 0xC0) + " (lossless, hierarchical or arithmetic-coded); ImageIO decodes"
                    + " baseline, extended and progressive Huffman JPEGs only");
        }
        if (j.precision() != 8) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER,
                    "JPEG with " + j.precision() + "-bit samples; ImageIO decodes 8-bit JPEGs only");
        }
        if (gray && j.components() != 1) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER, "decodeGray needs a single-channel"
                    + " image; this JPEG has " + j.components() + " components");
        }
        if (j.components() != 1 && j.components() != 3 && j.components() != 4) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER,
                    "JPEG with " + j.components() + " components; expected 1 (gray), 3 (colour) or 4 (CMYK/YCCK)");
        }
        if (j.scanOffset() < 0 || !j.hasEndOfImage(bytes)) {
            throw new BadImageException(Reason.TRUNCATED, Stage.DECODE, "JPEG data of " + bytes.length
                    + " bytes has no end-of-image marker (FF D9) after its first scan");
        }
        ImageReader r = newReader(JPEG_READER);
        TruncationWarnings warnings = new TruncationWarnings();
        try {
            r.setInput(new ByteArrayImageInputStream(bytes), true, true);
            r.addIIOReadWarningListener(warnings);
            RgbImage img;
            if (j.components() == 4) {
                img = fromCmyk(r.readRaster(0, null), j.adobeTransform());
            } else if (gray) {
                img = grayFrom(r.read(0), ImageFormat.JPEG);
            } else {
                img = readInto(r, j.width(), j.height());
            }
            if (warnings.message != null) {
                throw new BadImageException(Reason.TRUNCATED, Stage.DECODE, "JPEG decoder: " + warnings.message);
            }
            return ExifOrientation.apply(img, j.orientation());
        } catch (IOException | RuntimeException e) {
            throw fromImageIo(ImageFormat.JPEG, Stage.DECODE, e);
        } finally {
            r.dispose();
        }
    }

    private static RgbImage decodePng(byte[] bytes, long maxPixels, boolean gray) throws BadImageException {
        PngChunks p = PngChunks.header(bytes);
        checkPixels(p.width(), p.height(), maxPixels);
        if (gray && !(p.colorType() == PngChunks.GRAY && p.bitDepth() == 8)) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.HEADER, "decodeGray needs an 8-bit gray PNG"
                    + " (colour type 0, depth 8); this one has colour type " + p.colorType() + ", depth " + p.bitDepth());
        }
        boolean trns = PngChunks.checkComplete(bytes);
        ImageReader r = newReader(PNG_READER);
        try {
            r.setInput(new ByteArrayImageInputStream(bytes), true, true);
            if (gray) {
                return grayFrom(r.read(0), ImageFormat.PNG);
            }
            if (p.colorType() == PngChunks.RGB && p.bitDepth() == 8 && !trns) {
                return readInto(r, p.width(), p.height());
            }
            return rgbFrom(r.read(0), ImageFormat.PNG);
        } catch (IOException | RuntimeException e) {
            throw fromImageIo(ImageFormat.PNG, Stage.DECODE, e);
        } finally {
            r.dispose();
        }
    }

    private static RgbImage decodeOther(ImageFormat format, byte[] bytes, long maxPixels) throws BadImageException {
        ImageReader r = newReader(readerSpi(format));
        try {
            r.setInput(new ByteArrayImageInputStream(bytes), true, true);
            int w;
            int h;
            try {
                w = r.getWidth(0);
                h = r.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw fromImageIo(format, Stage.HEADER, e);
            }
            checkPixels(w, h, maxPixels);
            return rgbFrom(r.read(0), format);
        } catch (IOException | RuntimeException e) {
            throw fromImageIo(format, Stage.DECODE, e);
        } finally {
            r.dispose();
        }
    }

    /** Decodes through a destination image whose raster is the output array, in RGB order. */
    private static RgbImage readInto(ImageReader r, int width, int height) throws IOException {
        RgbImage out = new RgbImage(width, height, 3, new byte[width * height * 3]);
        ImageReadParam param = r.getDefaultReadParam();
        param.setDestination(wrap(out));
        r.read(0, param);
        return out;
    }

    /** A BufferedImage that shares {@code img}'s pixel array: sRGB or linear gray, interleaved bytes. */
    static BufferedImage wrap(RgbImage img) {
        int c = img.channels();
        ColorSpace cs = ColorSpace.getInstance(c == 3 ? ColorSpace.CS_sRGB : ColorSpace.CS_GRAY);
        ColorModel cm = new ComponentColorModel(cs, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        DataBufferByte data = new DataBufferByte(img.pixels(), img.pixels().length);
        int[] offsets = c == 3 ? new int[]{0, 1, 2} : new int[]{0};
        WritableRaster raster = Raster.createInterleavedRaster(data, img.width(), img.height(),
                img.width() * c, c, offsets, null);
        return new BufferedImage(cm, raster, false, null);
    }

    /** The exact 8-bit samples of a gray image (band 0; an alpha band is dropped). */
    private static RgbImage grayFrom(BufferedImage bi, ImageFormat format) throws BadImageException {
        ColorModel cm = bi.getColorModel();
        Raster r = bi.getRaster();
        if (!(cm instanceof ComponentColorModel) || cm.getColorSpace().getType() != ColorSpace.TYPE_GRAY
                || r.getSampleModel().getSampleSize(0) != 8) {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.DECODE, format + " decoded to "
                    + describe(bi) + "; decodeGray needs 8-bit single-channel gray");
        }
        int w = bi.getWidth();
        int h = bi.getHeight();
        byte[] out = new byte[w * h];
        copyBand(r, 0, 8, out, 1, 0);
        return new RgbImage(w, h, 1, out);
    }

    /** Any ImageIO result as 8-bit RGB, reading samples from the raster (never per-pixel getRGB for the usual types). */
    private static RgbImage rgbFrom(BufferedImage bi, ImageFormat format) throws BadImageException {
        ColorModel cm = bi.getColorModel();
        Raster r = bi.getRaster();
        int w = bi.getWidth();
        int h = bi.getHeight();
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel icm) {
            fromPalette(r, icm, out);
        } else if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            copyBand(r, 0, r.getSampleModel().getSampleSize(0), out, 3, 0);
            for (int i = 0; i < out.length; i += 3) {
                out[i + 1] = out[i];
                out[i + 2] = out[i];
            }
        } else if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_RGB) {
            for (int b = 0; b < 3; b++) {
                copyBand(r, b, r.getSampleModel().getSampleSize(b), out, 3, b);
            }
        } else if (cm.getColorSpace().isCS_sRGB()) {
            // packed models (BMP's 16/32-bit): the colour model does the unpacking, row by row
            int[] row = new int[w];
            for (int y = 0, o = 0; y < h; y++) {
                bi.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int v = row[x];
                    out[o++] = (byte) (v >> 16);
                    out[o++] = (byte) (v >> 8);
                    out[o++] = (byte) v;
                }
            }
        } else {
            throw new BadImageException(Reason.UNSUPPORTED, Stage.DECODE,
                    format + " decoded to " + describe(bi) + ", which has no RGB conversion here");
        }
        return new RgbImage(w, h, 3, out);
    }

    /**
     * Copies band {@code band} of {@code r} into every {@code stride}-th byte of {@code out} from {@code offset},
     * scaling {@code bits}-bit samples to 8 bits: {@code round(v * 255 / (2^bits - 1))}.
     */
    private static void copyBand(Raster r, int band, int bits, byte[] out, int stride, int offset) {
        int w = r.getWidth();
        int h = r.getHeight();
        if (bits == 8 && r.getSampleModel() instanceof ComponentSampleModel sm
                && r.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0) {
            byte[] data = db.getData();
            int ps = sm.getPixelStride();
            int sls = sm.getScanlineStride();
            int base = db.getOffset() + sm.getBandOffsets()[band];
            for (int y = 0, o = offset; y < h; y++) {
                int p = base + y * sls;
                for (int x = 0; x < w; x++, p += ps, o += stride) {
                    out[o] = data[p];
                }
            }
            return;
        }
        int max = (1 << bits) - 1;
        int[] row = new int[w];
        for (int y = 0, o = offset; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, band, row);
            for (int x = 0; x < w; x++, o += stride) {
                out[o] = (byte) (bits == 8 ? row[x] : (row[x] * 255L + max / 2) / max);
            }
        }
    }

    private static void fromPalette(Raster r, IndexColorModel icm, byte[] out) {
        int size = icm.getMapSize();
        byte[] reds = new byte[256];
        byte[] greens = new byte[256];
        byte[] blues = new byte[256];
        icm.getReds(reds);
        icm.getGreens(greens);
        icm.getBlues(blues);
        int w = r.getWidth();
        int[] row = new int[w];
        for (int y = 0, o = 0; y < r.getHeight(); y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int i = row[x] < size ? row[x] : 0; // an index past the palette: PNG calls it an error, decoders show entry 0
                out[o++] = reds[i];
                out[o++] = greens[i];
                out[o++] = blues[i];
            }
        }
    }

    /**
     * A raw 4-band JPEG raster to RGB. YCCK (Adobe transform 2) goes to CMYK with libjpeg's formulas
     * ({@code C = 255 - R(YCbCr)}); with an Adobe segment the CMYK samples are inverted (255 = no ink), which
     * is how Photoshop writes them; then {@code R = (255 - C)(255 - K) / 255}, rounded. Adobe transform 0 and
     * 1 both mean plain CMYK here (1, "YCbCr", is undefined for four components).
     */
    private static RgbImage fromCmyk(Raster r, int adobeTransform) throws BadImageException {
        if (r.getNumBands() != 4) {
            throw new BadImageException(Reason.CORRUPT, Stage.DECODE,
                    "4-component JPEG decoded to " + r.getNumBands() + " bands");
        }
        int w = r.getWidth();
        int h = r.getHeight();
        int[] px = r.getPixels(r.getMinX(), r.getMinY(), w, h, (int[]) null);
        boolean ycck = adobeTransform == 2;
        boolean inverted = adobeTransform != JpegMarkers.NO_ADOBE;
        byte[] out = new byte[w * h * 3];
        for (int i = 0, o = 0; i < px.length; i += 4) {
            int c0 = px[i];
            int c1 = px[i + 1];
            int c2 = px[i + 2];
            int k = px[i + 3];
            if (ycck) {
                int y = c0;
                int cb = c1 - 128;
                int cr = c2 - 128;
                c0 = 255 - clamp((int) Math.round(y + 1.402 * cr));
                c1 = 255 - clamp((int) Math.round(y - 0.344136 * cb - 0.714136 * cr));
                c2 = 255 - clamp((int) Math.round(y + 1.772 * cb));
            }
            if (inverted) {
                c0 = 255 - c0;
                c1 = 255 - c1;
                c2 = 255 - c2;
                k = 255 - k;
            }
            int white = 255 - k;
            out[o++] = (byte) (((255 - c0) * white + 127) / 255);
            out[o++] = (byte) (((255 - c1) * white + 127) / 255);
            out[o++] = (byte) (((255 - c2) * white + 127) / 255);
        }
        return new RgbImage(w, h, 3, out);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static String describe(BufferedImage bi) {
        ColorModel cm = bi.getColorModel();
        return cm.getClass().getSimpleName() + " with " + cm.getNumComponents() + " components of "
                + bi.getSampleModel().getSampleSize(0) + " bits";
    }

    /** ImageIO's failure as a BadImageException: running out of data is TRUNCATED, "Unsupported" UNSUPPORTED. */
    private static BadImageException fromImageIo(ImageFormat format, Stage stage, Throwable e) {
        String msg = String.valueOf(e.getMessage());
        boolean eof = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof EOFException || m.contains("end of zlib") || m.contains("premature end")) {
                eof = true;
            }
        }
        Reason reason = eof ? Reason.TRUNCATED
                : e instanceof IIOException && msg.toLowerCase(Locale.ROOT).contains("unsupported") ? Reason.UNSUPPORTED
                : Reason.CORRUPT;
        return new BadImageException(reason, stage,
                format + " decoder: " + e.getClass().getSimpleName() + ": " + msg, e);
    }

    /** Remembers libjpeg's warnings for missing data; ImageIO returns such an image padded with gray. */
    private static final class TruncationWarnings implements IIOReadWarningListener {
        private String message;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String w = String.valueOf(warning).toLowerCase(Locale.ROOT);
            // "of JPEG file": the data ran out; "of data segment": a marker (such as a stray EOI) came
            // before the scan's data did. Either way rows are missing and ImageIO fills them with gray.
            if (message == null && (w.contains("premature end of jpeg file") || w.contains("premature end of data segment"))) {
                message = warning;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- encoding

    private static byte[] write(ImageWriter w, RgbImage img, ImageWriteParam p, int capacity) {
        ByteArrayImageOutputStream out = new ByteArrayImageOutputStream(capacity);
        try {
            w.setOutput(out);
            w.write(null, new IIOImage(wrap(img), null, null), p);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a " + img.width() + "x" + img.height() + "x"
                    + img.channels() + " image failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------- plugins

    private static ImageReader newReader(ImageReaderSpi spi) {
        try {
            return spi.createReaderInstance();
        } catch (IOException e) {
            throw new IllegalStateException("ImageIO cannot create a " + spi.getFormatNames()[0] + " reader", e);
        }
    }

    private static ImageWriter newWriter(ImageWriterSpi spi) {
        try {
            return spi.createWriterInstance();
        } catch (IOException e) {
            throw new IllegalStateException("ImageIO cannot create a " + spi.getFormatNames()[0] + " writer", e);
        }
    }

    private static ImageReaderSpi readerSpi(ImageFormat format) {
        return switch (format) {
            case JPEG -> JPEG_READER;
            case PNG -> PNG_READER;
            case GIF -> GIF_READER;
            case BMP -> BMP_READER;
        };
    }

    /** The JDK's own reader for {@code format}, preferred over any plugin on the class path, so results do not depend on it. */
    private static ImageReaderSpi readerSpi(String format) {
        ImageReaderSpi chosen = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
            ImageReader r = it.next();
            ImageReaderSpi spi = r.getOriginatingProvider();
            r.dispose();
            if (chosen == null || isJdk(spi)) {
                chosen = isJdk(chosen) ? chosen : spi;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + format);
        }
        return chosen;
    }

    private static ImageWriterSpi writerSpi(String format) {
        ImageWriterSpi chosen = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format); it.hasNext(); ) {
            ImageWriter w = it.next();
            ImageWriterSpi spi = w.getOriginatingProvider();
            w.dispose();
            if (chosen == null || isJdk(spi)) {
                chosen = isJdk(chosen) ? chosen : spi;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("this JDK has no ImageIO writer for " + format);
        }
        return chosen;
    }

    private static boolean isJdk(Object spi) {
        return spi != null && spi.getClass().getName().startsWith("com.sun.imageio.");
    }
}
