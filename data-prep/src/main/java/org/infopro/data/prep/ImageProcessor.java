package org.infopro.data.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.image.BadImageException;
import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.image.BadImageException.Stage;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.ImageFacts;
import org.infopro.data.image.ImageFormat;
import org.infopro.data.image.RgbImage;
import org.infopro.data.image.Resize;
import org.infopro.data.io.Fs;
import org.infopro.data.prep.ImagePrepConfig.Storage;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.source.InputProcessor;
import org.infopro.data.source.PrepInput;
import org.infopro.data.source.PrepOutcome;

import java.io.IOException;
import java.io.InputStream;

/**
 * The image prep jobs' {@link InputProcessor}: turns one input into one {@link PrepOutcome} on an executor:
 * read, sniff the content (never the name), check the header's pixel count against the limit before
 * decoding, decode to RGB (CMYK, YCCK, gray, 16-bit and EXIF orientation handled by {@link ImageCodec}), map
 * and check the mask, resize (masks by nearest neighbour), centre-crop, store. Any bad input becomes a
 * quarantine outcome; nothing thrown by one file escapes to fail the task.
 */
public final class ImageProcessor implements InputProcessor {
    private final Storage storage;
    private final int resize;
    private final int centerCrop;
    private final int quality;
    private final long maxPixels;

    public ImageProcessor(ImagePrepConfig cfg) {
        this(cfg.storage(), cfg.resize(), cfg.centerCrop(), cfg.quality(), cfg.maxPixels());
    }

    public ImageProcessor(Storage storage, int resize, int centerCrop, int quality, long maxPixels) {
        this.storage = storage;
        this.resize = resize;
        this.centerCrop = centerCrop;
        this.quality = quality;
        this.maxPixels = maxPixels;
    }

    @Override
    public PrepOutcome file(PrepInput in, Configuration conf) {
        try {
            if (in.rejected() != null) {
                throw new BadImageException(in.rejected(), in.rejected() == Reason.MASK_MISSING ? Stage.MASK : Stage.LABEL,
                        in.rejectedWhy());
            }
            byte[] bytes = read(in.path(), conf, Stage.READ);
            if (bytes.length == 0) {
                throw new BadImageException(Reason.EMPTY_FILE, Stage.READ, "the file has 0 bytes");
            }
            ImageFormat format = ImageFormat.sniff(bytes);
            if (format == null) {
                throw new BadImageException(Reason.NOT_AN_IMAGE, Stage.SNIFF, "content is not JPEG or PNG (starts with "
                        + hex(bytes) + ")");
            }
            RgbImage img = ImageCodec.decodeRgb(bytes, maxPixels);
            RgbImage mask = null;
            long unknown = 0;
            if (in.maskPath() != null) {
                byte[] mb = read(in.maskPath(), conf, Stage.MASK);
                try {
                    mask = ImageCodec.decodeGray(mb, maxPixels);
                } catch (BadImageException e) {
                    throw new BadImageException(e.reason(), Stage.MASK, "mask " + in.maskPath() + ": " + e.getMessage(), e);
                }
                if (mask.width() != img.width() || mask.height() != img.height()) {
                    throw new BadImageException(Reason.MASK_SIZE_MISMATCH, Stage.MASK, "mask " + in.maskPath() + " is "
                            + mask.width() + "x" + mask.height() + " but the image is " + img.width() + "x" + img.height());
                }
                unknown = CityscapesLabels.toTrainIds(mask.pixels());
            }
            boolean plain = ImageFacts.isPlain(bytes, format);
            return store(in.key(), in.split(), in.label(), img, mask, unknown, in.path(), in.city(), in.frame(),
                    plain ? bytes : null, format);
        } catch (BadImageException e) {
            return PrepOutcome.quarantined(in.key(), in.split(), in.path(), e);
        } catch (RuntimeException | OutOfMemoryError e) {
            // A decoder bug on one odd file must not take the task down; the file is listed, not lost.
            return PrepOutcome.quarantined(in.key(), in.split(), in.path(),
                    new BadImageException(Reason.CORRUPT, Stage.DECODE, e.toString()));
        }
    }

    @Override
    public PrepOutcome decoded(String key, String split, int label, RgbImage img, String source) {
        return store(key, split, label, img, null, 0, source, null, null, null, null);
    }

    private PrepOutcome store(String key, String split, int label, RgbImage img, RgbImage mask, long unknown,
                              String source, String city, String frame, byte[] original, ImageFormat format) {
        boolean changed = false;
        if (resize > 0 && Math.min(img.width(), img.height()) != resize) {
            img = Resize.shortSide(img, resize);
            changed = true;
            if (mask != null) {
                mask = Resize.nearest(mask, img.width(), img.height());
            }
        }
        if (centerCrop > 0) {
            if (img.width() < centerCrop || img.height() < centerCrop) {
                return PrepOutcome.quarantined(key, split, source, new BadImageException(Reason.UNSUPPORTED, Stage.DECODE,
                        "image " + img.width() + "x" + img.height() + " is smaller than --center-crop " + centerCrop
                                + "; use --resize >= " + centerCrop + " with it"));
            }
            if (img.width() != centerCrop || img.height() != centerCrop) {
                img = Resize.centerCrop(img, centerCrop, centerCrop);
                changed = true;
                if (mask != null) {
                    mask = Resize.centerCrop(mask, centerCrop, centerCrop);
                }
            }
        }
        byte[] data;
        String encoding;
        if (storage == Storage.RAW) {
            data = img.pixels();
            encoding = ShardSchema.ENCODING_RAW;
        } else if (original != null && !changed) {
            data = original;
            encoding = format == ImageFormat.PNG ? ShardSchema.ENCODING_PNG : ShardSchema.ENCODING_JPEG;
        } else if (format == ImageFormat.PNG || format == null) {
            // PNG sources and decoded records (the small sets) stay lossless; JPEG sources stay JPEG.
            data = ImageCodec.encodePng(img);
            encoding = ShardSchema.ENCODING_PNG;
        } else {
            data = ImageCodec.encodeJpeg(img, quality);
            encoding = ShardSchema.ENCODING_JPEG;
        }
        byte[] maskData = null;
        String maskEncoding = null;
        if (mask != null) {
            boolean raw = storage == Storage.RAW;
            maskData = raw ? mask.pixels() : ImageCodec.encodePng(mask);
            maskEncoding = raw ? ShardSchema.ENCODING_RAW : ShardSchema.ENCODING_PNG;
        }
        double[] sums = new double[2 * img.channels()];
        byte[] px = img.pixels();
        int c = img.channels();
        for (int i = 0; i < px.length; i++) {
            double v = (px[i] & 0xff) / 255.0;
            sums[i % c] += v;
            sums[c + i % c] += v * v;
        }
        return new PrepOutcome(key, split, label, data, img.height(), img.width(), img.channels(), encoding,
                maskData, maskEncoding, source, city, frame, sums, (long) img.width() * img.height(), unknown,
                null, null, null);
    }

    private static byte[] read(String path, Configuration conf, Stage stage) throws BadImageException {
        Path p = new Path(path);
        try (InputStream in = Fs.of(p, conf).open(p)) {
            return in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(stage == Stage.MASK ? Reason.MASK_MISSING : Reason.UNREADABLE, stage,
                    "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
