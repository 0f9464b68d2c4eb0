package org.infopro.data.testing;

import org.infopro.data.image.RgbImage;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes image files in their real on-disk formats for tests and benchmarks: JPEGs through the JDK's
 * ImageIO writer (including 4-channel CMYK/YCCK ones with hand-made Adobe APP14 segments and EXIF APP1
 * orientation), PNGs chunk by chunk (any colour type and bit depth, exact samples), and the broken inputs
 * datasets contain: truncated files, text, and headers that declare a decompression bomb. Nothing here uses
 * the code under test, so a fixture cannot share its bugs.
 */
public final class ImageFixtures {
    /** PNG colour types (PNG spec 11.2.2). */
    public static final int PNG_GRAY = 0;
    public static final int PNG_RGB = 2;
    public static final int PNG_PALETTE = 3;
    public static final int PNG_GRAY_ALPHA = 4;
    public static final int PNG_RGBA = 6;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageFixtures() {
    }

    // ------------------------------------------------------------------------------------------------ pixels

    /** A {@code w x h} image of one RGB colour. */
    public static RgbImage solid(int w, int h, int r, int g, int b) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) r;
            px[i + 1] = (byte) g;
            px[i + 2] = (byte) b;
        }
        return new RgbImage(w, h, 3, px);
    }

    /** A {@code w x h} gray image with sample {@code f(x, y)}. */
    public static RgbImage gray(int w, int h, java.util.function.IntBinaryOperator f) {
        byte[] px = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[y * w + x] = (byte) f.applyAsInt(x, y);
            }
        }
        return new RgbImage(w, h, 1, px);
    }

    /**
     * A copy of {@code img} with the {@code size x size} block at {@code (x0, y0)} painted {@code rgb}. Blocks
     * aligned to 16 pixels survive JPEG's 8x8 DCT and 4:2:0 chroma nearly unchanged.
     */
    public static RgbImage paint(RgbImage img, int x0, int y0, int size, int[] rgb) {
        byte[] px = img.pixels().clone();
        int c = img.channels();
        for (int y = y0; y < y0 + size; y++) {
            for (int x = x0; x < x0 + size; x++) {
                for (int k = 0; k < c; k++) {
                    px[(y * img.width() + x) * c + k] = (byte) rgb[k];
                }
            }
        }
        return new RgbImage(img.width(), img.height(), c, px);
    }

    /**
     * A deterministic photo-like RGB image: smooth multi-octave value noise for luminance (fine octaves
     * weaker, as in natural images' 1/f spectrum) and low-frequency chroma, a dozen shapes with hard edges and
     * their own colour cast, and mild per-pixel sensor noise. It compresses like a photograph (about 2 bits
     * per pixel as JPEG at quality 90), unlike flat colours or white noise.
     */
    public static RgbImage photoLike(int w, int h, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = w * h;
        float[] lum = new float[n];
        float[] cr = new float[n];
        float[] cb = new float[n];
        int big = Math.max(w, h);
        float amp = 1f;
        for (int cell = Math.max(big / 3, 4); cell >= 2; cell /= 2, amp *= 0.75f) {
            addValueNoise(lum, w, h, cell, amp, rnd);
        }
        addValueNoise(cr, w, h, Math.max(big / 4, 4), 0.6f, rnd);
        addValueNoise(cr, w, h, Math.max(big / 12, 4), 0.25f, rnd);
        addValueNoise(cb, w, h, Math.max(big / 4, 4), 0.6f, rnd);
        addValueNoise(cb, w, h, Math.max(big / 12, 4), 0.25f, rnd);
        float[] dr = new float[n];
        float[] dg = new float[n];
        float[] db = new float[n];
        for (int s = 0; s < 12; s++) {
            int cx = rnd.nextInt(w);
            int cy = rnd.nextInt(h);
            int rx = 8 + rnd.nextInt(Math.max(big / 5, 9));
            int ry = 8 + rnd.nextInt(Math.max(big / 5, 9));
            boolean disc = rnd.nextBoolean();
            float or = (float) (rnd.nextDouble() * 120 - 60);
            float og = (float) (rnd.nextDouble() * 120 - 60);
            float ob = (float) (rnd.nextDouble() * 120 - 60);
            for (int y = Math.max(0, cy - ry); y < Math.min(h, cy + ry); y++) {
                for (int x = Math.max(0, cx - rx); x < Math.min(w, cx + rx); x++) {
                    double ex = (x - cx) / (double) rx;
                    double ey = (y - cy) / (double) ry;
                    if (!disc || ex * ex + ey * ey <= 1) {
                        int i = y * w + x;
                        dr[i] = or;
                        dg[i] = og;
                        db[i] = ob;
                    }
                }
            }
        }
        byte[] px = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            float l = 118 + 62 * lum[i];
            float r = l + 40 * cr[i] + dr[i] + (float) (rnd.nextGaussian() * 4);
            float g = l - 20 * cr[i] - 14 * cb[i] + dg[i] + (float) (rnd.nextGaussian() * 4);
            float b = l + 45 * cb[i] + db[i] + (float) (rnd.nextGaussian() * 4);
            px[3 * i] = (byte) clamp(r);
            px[3 * i + 1] = (byte) clamp(g);
            px[3 * i + 2] = (byte) clamp(b);
        }
        return new RgbImage(w, h, 3, px);
    }

    /**
     * A Cityscapes-like 8-bit label mask: Voronoi regions around {@code regions} random seeds, each carrying a
     * class id in 0..33 (the {@code labelIds} range), so it has large flat areas and straight-ish borders.
     */
    public static RgbImage labelMask(int w, int h, int regions, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] sx = new int[regions];
        int[] sy = new int[regions];
        byte[] id = new byte[regions];
        for (int i = 0; i < regions; i++) {
            sx[i] = rnd.nextInt(w);
            sy[i] = rnd.nextInt(h);
            id[i] = (byte) rnd.nextInt(34);
        }
        byte[] px = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = 0;
                long bestD = Long.MAX_VALUE;
                for (int i = 0; i < regions; i++) {
                    long dx = x - sx[i];
                    long dy = y - sy[i];
                    long d = dx * dx + dy * dy;
                    if (d < bestD) {
                        bestD = d;
                        best = i;
                    }
                }
                px[y * w + x] = id[best];
            }
        }
        return new RgbImage(w, h, 1, px);
    }

    /** Adds {@code amp} times value noise on a lattice of {@code cell} pixels, smoothstep-interpolated, in [-amp, amp]. */
    private static void addValueNoise(float[] out, int w, int h, int cell, float amp, SplittableRandom rnd) {
        int gw = w / cell + 2;
        int gh = h / cell + 2;
        float[] lattice = new float[gw * gh];
        for (int i = 0; i < lattice.length; i++) {
            lattice[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int y = 0; y < h; y++) {
            int gy = y / cell;
            float fy = smooth((y % cell) / (float) cell);
            for (int x = 0; x < w; x++) {
                int gx = x / cell;
                float fx = smooth((x % cell) / (float) cell);
                int g = gy * gw + gx;
                float top = lattice[g] + (lattice[g + 1] - lattice[g]) * fx;
                float bottom = lattice[g + gw] + (lattice[g + gw + 1] - lattice[g + gw]) * fx;
                out[y * w + x] += amp * (top + (bottom - top) * fy);
            }
        }
    }

    private static float smooth(float t) {
        return t * t * (3 - 2 * t);
    }

    private static int clamp(float v) {
        return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }

    // ------------------------------------------------------------------------------------------------ JPEG

    /**
     * {@code img} as a baseline JFIF JPEG from the JDK's writer (4:2:0 for colour, one component for a gray
     * image), IJG quality {@code quality}.
     */
    public static byte[] jpeg(RgbImage img, int quality) {
        return writeJpeg(new IIOImage(bufferedImage(img), null, null), quality);
    }

    /**
     * A 4-component JPEG holding {@code ink} (C, M, Y, K per pixel, 0 = no ink) as Photoshop writes it: the
     * samples inverted (255 = no ink) and an Adobe APP14 segment with transform 0 (CMYK). With
     * {@code adobe = false} the ink is stored as is and no APP14 is written, which decoders read as plain CMYK.
     */
    public static byte[] cmykJpeg(int w, int h, byte[] ink, boolean adobe, int quality) {
        byte[] stored = ink.clone();
        if (adobe) {
            for (int i = 0; i < stored.length; i++) {
                stored[i] = (byte) (255 - (stored[i] & 0xff));
            }
        }
        byte[] jpeg = writeJpeg(new IIOImage(raster4(w, h, stored), null, null), quality);
        byte[] plain = withoutSegments(jpeg, 0xEE);
        return adobe ? withAdobeTransform(plain, 0) : plain;
    }

    /**
     * An Adobe YCCK JPEG (APP14 transform 2) of {@code ink}: as libjpeg's CMYK-to-YCCK conversion does, the
     * inverted CMY samples Photoshop stores are taken as {@code R = 255 - C'} etc. (so {@code R = C}) and turned
     * into YCbCr with the JFIF equations; K is stored inverted, untransformed.
     */
    public static byte[] ycckJpeg(int w, int h, byte[] ink, int quality) {
        byte[] stored = new byte[ink.length];
        for (int i = 0; i < ink.length; i += 4) {
            double r = ink[i] & 0xff;
            double g = ink[i + 1] & 0xff;
            double b = ink[i + 2] & 0xff;
            stored[i] = (byte) clamp((float) (0.299 * r + 0.587 * g + 0.114 * b));
            stored[i + 1] = (byte) clamp((float) (-0.168736 * r - 0.331264 * g + 0.5 * b + 128));
            stored[i + 2] = (byte) clamp((float) (0.5 * r - 0.418688 * g - 0.081312 * b + 128));
            stored[i + 3] = (byte) (255 - (ink[i + 3] & 0xff));
        }
        byte[] jpeg = writeJpeg(new IIOImage(raster4(w, h, stored), null, null), quality);
        return withAdobeTransform(withoutSegments(jpeg, 0xEE), 2);
    }

    /** {@code jpeg} with an APP1 Exif segment holding IFD0 orientation {@code orientation}, right after SOI. */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        if (littleEndian) {
            tiff.writeBytes(new byte[]{'I', 'I', 42, 0, 8, 0, 0, 0});
            tiff.writeBytes(new byte[]{1, 0});                                  // one IFD0 entry
            tiff.writeBytes(new byte[]{0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0});
            tiff.writeBytes(new byte[]{0, 0, 0, 0});                            // no IFD1
        } else {
            tiff.writeBytes(new byte[]{'M', 'M', 0, 42, 0, 0, 0, 8});
            tiff.writeBytes(new byte[]{0, 1});
            tiff.writeBytes(new byte[]{0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0});
            tiff.writeBytes(new byte[]{0, 0, 0, 0});
        }
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        payload.writeBytes(tiff.toByteArray());
        return insertAfterSoi(jpeg, segment(0xE1, payload.toByteArray()));
    }

    /** {@code jpeg} with its Adobe APP14 transform byte set to {@code transform}, inserting the segment if absent. */
    public static byte[] withAdobeTransform(byte[] jpeg, int transform) {
        byte[] payload = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        return insertAfterSoi(withoutSegments(jpeg, 0xEE), segment(0xEE, payload));
    }

    /**
     * A valid small JPEG whose frame header (SOF0) is patched to declare {@code w x h}: what a
     * decompression-bomb JPEG looks like to a header reader.
     */
    public static byte[] jpegDeclaring(int w, int h) {
        byte[] b = jpeg(solid(16, 16, 90, 120, 150), 90);
        int sof = findMarker(b, 0xC0);
        b[sof + 5] = (byte) (h >> 8);
        b[sof + 6] = (byte) h;
        b[sof + 7] = (byte) (w >> 8);
        b[sof + 8] = (byte) w;
        return b;
    }

    /** The offset of the first {@code FF marker} among the segments before the scan, or -1. */
    public static int findMarker(byte[] jpeg, int marker) {
        int p = 2;
        while (p + 4 <= jpeg.length && (jpeg[p] & 0xff) == 0xff) {
            int m = jpeg[p + 1] & 0xff;
            if (m == marker) {
                return p;
            }
            if (m == 0xDA) {
                return -1;
            }
            p += 2 + ((jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff));
        }
        return -1;
    }

    private static byte[] writeJpeg(IIOImage image, int quality) {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bos)) {
                w.setOutput(out);
                w.write(null, image, p);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
    }

    private static Raster raster4(int w, int h, byte[] samples) {
        WritableRaster r = Raster.createInterleavedRaster(new DataBufferByte(samples, samples.length), w, h,
                w * 4, 4, new int[]{0, 1, 2, 3}, null);
        return r;
    }

    private static BufferedImage bufferedImage(RgbImage img) {
        int c = img.channels();
        ColorSpace cs = ColorSpace.getInstance(c == 3 ? ColorSpace.CS_sRGB : ColorSpace.CS_GRAY);
        ComponentColorModel cm = new ComponentColorModel(cs, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster r = Raster.createInterleavedRaster(new DataBufferByte(img.pixels().clone(), img.pixels().length),
                img.width(), img.height(), img.width() * c, c, c == 3 ? new int[]{0, 1, 2} : new int[]{0}, null);
        return new BufferedImage(cm, r, false, null);
    }

    private static byte[] segment(int marker, byte[] payload) {
        byte[] s = new byte[payload.length + 4];
        s[0] = (byte) 0xff;
        s[1] = (byte) marker;
        s[2] = (byte) ((payload.length + 2) >> 8);
        s[3] = (byte) (payload.length + 2);
        System.arraycopy(payload, 0, s, 4, payload.length);
        return s;
    }

    private static byte[] insertAfterSoi(byte[] jpeg, byte[] segment) {
        byte[] out = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(segment, 0, out, 2, segment.length);
        System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
        return out;
    }

    /** {@code jpeg} without the marker segments {@code FF marker} that precede its first scan. */
    private static byte[] withoutSegments(byte[] jpeg, int marker) {
        int p;
        while ((p = findMarker(jpeg, marker)) >= 0) {
            int len = 2 + ((jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff));
            byte[] out = new byte[jpeg.length - len];
            System.arraycopy(jpeg, 0, out, 0, p);
            System.arraycopy(jpeg, p + len, out, p, jpeg.length - p - len);
            jpeg = out;
        }
        return jpeg;
    }

    // ------------------------------------------------------------------------------------------------ PNG

    /**
     * A PNG written chunk by chunk: IHDR, optional PLTE and tRNS, one IDAT of the rows (filter type 0) and
     * IEND. {@code rows} holds the packed scanlines without filter bytes: samples of {@code bitDepth} bits,
     * 16-bit ones big-endian, sub-byte ones packed from the high bit, each row padded to a whole byte.
     */
    public static byte[] png(int w, int h, int colorType, int bitDepth, byte[] rows, byte[] plte, byte[] trns) {
        int channels = switch (colorType) {
            case PNG_GRAY, PNG_PALETTE -> 1;
            case PNG_GRAY_ALPHA -> 2;
            case PNG_RGB -> 3;
            case PNG_RGBA -> 4;
            default -> throw new IllegalArgumentException("PNG colour type " + colorType);
        };
        int rowBytes = (w * channels * bitDepth + 7) / 8;
        if (rows.length != rowBytes * h) {
            throw new IllegalArgumentException("rows need " + rowBytes * h + " bytes, got " + rows.length);
        }
        byte[] raw = new byte[(rowBytes + 1) * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rows, y * rowBytes, raw, y * (rowBytes + 1) + 1, rowBytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        out.writeBytes(chunk("IHDR", ihdr(w, h, bitDepth, colorType)));
        if (plte != null) {
            out.writeBytes(chunk("PLTE", plte));
        }
        if (trns != null) {
            out.writeBytes(chunk("tRNS", trns));
        }
        out.writeBytes(chunk("IDAT", deflate(raw)));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** An 8-bit RGB or gray PNG of {@code img}. */
    public static byte[] png(RgbImage img) {
        return png(img.width(), img.height(), img.channels() == 3 ? PNG_RGB : PNG_GRAY, 8, img.pixels(), null, null);
    }

    /** A 16-bit PNG (gray for 1 sample per pixel, RGB for 3) of {@code samples}, each 0..65535. */
    public static byte[] png16(int w, int h, int channels, int[] samples) {
        byte[] rows = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            rows[2 * i] = (byte) (samples[i] >> 8);
            rows[2 * i + 1] = (byte) samples[i];
        }
        return png(w, h, channels == 3 ? PNG_RGB : PNG_GRAY, 16, rows, null, null);
    }

    /**
     * A PNG whose IHDR (with a correct CRC) declares {@code w x h} 8-bit RGB, followed by a small IDAT and
     * IEND: a decompression bomb as far as any header reader can tell.
     */
    public static byte[] pngDeclaring(long w, long h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        out.writeBytes(chunk("IHDR", ihdr(w, h, 8, PNG_RGB)));
        out.writeBytes(chunk("IDAT", deflate(new byte[64 * 1024])));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    public static byte[] chunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(be32(data.length));
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(be32(crc.getValue()));
        return out.toByteArray();
    }

    private static byte[] ihdr(long w, long h, int bitDepth, int colorType) {
        byte[] d = new byte[13];
        System.arraycopy(be32(w), 0, d, 0, 4);
        System.arraycopy(be32(h), 0, d, 4, 4);
        d[8] = (byte) bitDepth;
        d[9] = (byte) colorType;
        return d;
    }

    private static byte[] be32(long v) {
        return new byte[]{(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(6);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------------ broken inputs

    /** The first {@code fraction} of {@code bytes}: a download or copy cut short. */
    public static byte[] truncated(byte[] bytes, double fraction) {
        return Arrays.copyOf(bytes, (int) (bytes.length * fraction));
    }

    /** A short text file, the kind of stray file found among images. */
    public static byte[] text() {
        return "n01440764_10026.JPEG\tn01440764\n# not an image, a listing\n".getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code bytes} to {@code dir/name} (creating {@code dir}) and returns the path. */
    public static Path write(Path dir, String name, byte[] bytes) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
