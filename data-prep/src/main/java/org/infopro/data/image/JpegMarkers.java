package org.infopro.data.image;

import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.image.BadImageException.Stage;

/**
 * The marker segments of a JPEG up to its first scan (ITU T.81 B.1), read without decoding: the frame header
 * (SOFn), Adobe's APP14 colour transform and the EXIF orientation in APP1. The decoder needs these before it
 * hands the data to ImageIO, which hides the Adobe flag and ignores orientation.
 *
 * @param width            samples per line from SOFn
 * @param height           lines from SOFn (0 would mean "defined later by DNL")
 * @param components       1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK
 * @param precision        bits per sample, 8 for everything ImageIO decodes
 * @param sofMarker        the frame marker, 0xC0 baseline .. 0xCF; tells baseline/progressive/lossless/arithmetic
 * @param adobeTransform   the APP14 transform byte (0 unknown/CMYK, 1 YCbCr, 2 YCCK) or -1 without an Adobe segment
 * @param orientation      EXIF orientation 1..8 from IFD0 tag 0x0112, 1 when absent or unreadable
 * @param scanOffset       where the first scan's entropy-coded data starts, -1 if the data ends before it
 */
record JpegMarkers(int width, int height, int components, int precision, int sofMarker, int adobeTransform,
                   int orientation, int scanOffset) {

    static final int NO_ADOBE = -1;

    /** True for the processes ImageIO's libjpeg 6b decodes: Huffman baseline, extended and progressive. */
    boolean decodableProcess() {
        return sofMarker == 0xC0 || sofMarker == 0xC1 || sofMarker == 0xC2;
    }

    /** True when the EXIF orientation turns the image by 90 degrees, swapping width and height. */
    boolean swapsAxes() {
        return orientation >= 5;
    }

    /**
     * Reads the markers of {@code b}, which starts with SOI. Throws TRUNCATED when the data ends before the
     * frame header, CORRUPT when the marker structure is broken; both at stage HEADER.
     */
    static JpegMarkers parse(byte[] b) throws BadImageException {
        int n = b.length;
        int pos = 2;
        int width = -1;
        int height = -1;
        int components = 0;
        int precision = 0;
        int sof = 0;
        int adobe = NO_ADOBE;
        int orientation = 0;
        while (true) {
            if (pos >= n) {
                return ended(sof, width, height, components, precision, adobe, orientation, pos);
            }
            if ((b[pos] & 0xff) != 0xff) {
                throw corrupt("expected a marker at byte " + pos + ", found 0x" + hex(b[pos]));
            }
            while (pos < n && (b[pos] & 0xff) == 0xff) {
                pos++; // fill bytes before a marker are allowed (T.81 B.1.1.2)
            }
            if (pos >= n) {
                return ended(sof, width, height, components, precision, adobe, orientation, pos);
            }
            int m = b[pos++] & 0xff;
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
                continue; // TEM and RSTn stand alone
            }
            if (m == 0x00 || m == 0xD8 || m == 0xD9) {
                throw corrupt("unexpected marker 0x" + Integer.toHexString(0xff00 | m) + " before the first scan");
            }
            if (pos + 2 > n) {
                return ended(sof, width, height, components, precision, adobe, orientation, pos);
            }
            int len = u16(b, pos);
            if (len < 2) {
                throw corrupt("marker 0x" + Integer.toHexString(0xff00 | m) + " has length " + len);
            }
            if (pos + len > n) {
                return ended(sof, width, height, components, precision, adobe, orientation, pos);
            }
            int seg = pos + 2;
            int segLen = len - 2;
            if (isFrameMarker(m)) {
                if (sof != 0) {
                    throw corrupt("two frame headers (SOF) in one image");
                }
                if (segLen < 6) {
                    throw corrupt("frame header of " + segLen + " bytes, expected at least 6");
                }
                sof = m;
                precision = b[seg] & 0xff;
                height = u16(b, seg + 1);
                width = u16(b, seg + 3);
                components = b[seg + 5] & 0xff;
                if (width == 0 || components == 0 || segLen < 6 + 3 * components) {
                    throw corrupt("frame header declares " + width + "x" + height + " with " + components
                            + " components in " + segLen + " bytes");
                }
            } else if (m == 0xE1 && orientation == 0) {
                orientation = exifOrientation(b, seg, segLen);
            } else if (m == 0xEE && adobe == NO_ADOBE && segLen >= 12 && b[seg] == 'A' && b[seg + 1] == 'd'
                    && b[seg + 2] == 'o' && b[seg + 3] == 'b' && b[seg + 4] == 'e') {
                adobe = b[seg + 11] & 0xff;
            } else if (m == 0xDA) {
                if (sof == 0) {
                    throw corrupt("scan (SOS) before any frame header (SOF)");
                }
                return new JpegMarkers(width, height, components, precision, sof, adobe,
                        Math.max(orientation, 1), pos + len);
            }
            pos += len;
        }
    }

    /**
     * True when the data after the first scan holds an EOI marker. Entropy-coded data stuffs every 0xFF with
     * 0x00 (T.81 F.1.2.3), so FF D9 after the scan start can only be the real end of image; searching from the
     * end finds it at once in a complete file.
     */
    boolean hasEndOfImage(byte[] b) {
        for (int i = b.length - 2; i >= scanOffset; i--) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xd9) {
                return true;
            }
        }
        return false;
    }

    private static JpegMarkers ended(int sof, int width, int height, int components, int precision, int adobe,
                                     int orientation, int pos) throws BadImageException {
        if (sof == 0) {
            throw new BadImageException(Reason.TRUNCATED, Stage.HEADER,
                    "JPEG data ends at byte " + pos + " before its frame header (SOF)");
        }
        return new JpegMarkers(width, height, components, precision, sof, adobe, Math.max(orientation, 1), -1);
    }

    private static boolean isFrameMarker(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    /**
     * The orientation tag of IFD0 in an APP1 Exif segment (EXIF 2.3 section 4.6.4, TIFF 6.0 byte orders), or
     * 0 when the segment is not Exif. A damaged Exif block is not a damaged image: it yields 1.
     */
    static int exifOrientation(byte[] b, int seg, int segLen) {
        if (segLen < 14 || b[seg] != 'E' || b[seg + 1] != 'x' || b[seg + 2] != 'i' || b[seg + 3] != 'f'
                || b[seg + 4] != 0 || b[seg + 5] != 0) {
            return 0;
        }
        int t = seg + 6;
        int end = seg + segLen;
        boolean little;
        if (b[t] == 'I' && b[t + 1] == 'I') {
            little = true;
        } else if (b[t] == 'M' && b[t + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (tiff16(b, t + 2, little) != 42) {
            return 1;
        }
        long ifd = tiff32(b, t + 4, little);
        if (ifd < 8 || t + ifd + 2 > end) {
            return 1;
        }
        int p = (int) (t + ifd);
        int count = tiff16(b, p, little);
        for (int i = 0; i < count; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (tiff16(b, e, little) == 0x0112) {
                int type = tiff16(b, e + 2, little);
                long value = type == 3 ? tiff16(b, e + 8, little) : type == 4 ? tiff32(b, e + 8, little) : 1;
                return value >= 1 && value <= 8 ? (int) value : 1;
            }
        }
        return 1;
    }

    private static int tiff16(byte[] b, int p, boolean little) {
        return little ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 : (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    private static long tiff32(byte[] b, int p, boolean little) {
        long lo = tiff16(b, little ? p : p + 2, little);
        long hi = tiff16(b, little ? p + 2 : p, little);
        return hi << 16 | lo;
    }

    static int u16(byte[] b, int p) {
        return (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    private static String hex(byte v) {
        return Integer.toHexString(v & 0xff);
    }

    private static BadImageException corrupt(String detail) {
        return new BadImageException(Reason.CORRUPT, Stage.HEADER, "JPEG: " + detail);
    }
}
