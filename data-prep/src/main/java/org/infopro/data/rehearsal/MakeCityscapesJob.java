package org.infopro.data.rehearsal;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.idx.IdxHeader;
import org.infopro.data.idx.IdxReader;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.Resize;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.AtomicOutput;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.ProgressTimer;
import org.infopro.data.io.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Color;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Composes an IDX dataset (real Fashion-MNIST) into street-scene-sized frames in the Cityscapes layout that
 * prep-cityscapes reads, so that the segmentation prep and training path runs on real pixels:
 * {@code leftImg8bit/{split}/{city}/{city}_{seq:06d}_000019_leftImg8bit.png} (8-bit RGB) and
 * {@code gtFine/{split}/{city}/{city}_{seq:06d}_000019_gtFine_labelIds.png} (8-bit gray label ids), for the splits
 * {@code train} (garments from {@code train-*}) and {@code val} (from {@code t10k-*}); frame {@code i} of a split
 * goes to city {@code i mod --cities} as sequence {@code i div --cities}, and 19 is the annotated frame number
 * real Cityscapes uses.
 *
 * <p>A frame is a textured background (four octaves of seeded value noise over a random road-like colour) on which
 * garments are pasted in turn: a record of the next class (classes cycle from a random start, so each frame holds
 * them evenly), scaled bilinearly from 28x28 to a random square side in [--min-size, --max-size], placed at random
 * wholly inside the frame and tinted with a random colour ({@code rgb = gray * tint / 255}). A pixel of the
 * scaled square is garment when its gray value is at least {@value #GARMENT_THRESHOLD} (above 10 % of 255); there
 * its colour and label are replaced, elsewhere the background's texture and label stay. Later garments cover
 * earlier ones, and a pixel's label is always its last owner's.
 *
 * <p>Label ids are chosen so that Cityscapes' standard id-to-trainId mapping yields eleven train ids 0..10, the
 * background first and then the Fashion-MNIST labels in order (train id = label + 1):
 * <pre>
 *   train id  label id  Cityscapes name   shows
 *   0         7         road              background
 *   1         8         sidewalk          0 T-shirt/top
 *   2         11        building          1 Trouser
 *   3         12        wall              2 Pullover
 *   4         13        fence             3 Dress
 *   5         17        pole              4 Coat
 *   6         19        traffic light     5 Sandal
 *   7         20        traffic sign      6 Shirt
 *   8         21        vegetation        7 Sneaker
 *   9         22        terrain           8 Bag
 *   10        23        sky               9 Ankle boot
 * </pre>
 * No pixel is ignore (255). Every random choice comes from one {@link Random} per frame seeded from
 * (--seed, split, frame index), so the PNGs are byte-identical for the same seed, input and options, whatever
 * the thread count. The tree is written into a hidden staging folder renamed into place only when complete, with
 * {@code _make-cityscapes.json} describing it (config, inputs, the label table with garment and pixel counts).
 */
public final class MakeCityscapesJob {
    private static final Logger LOG = LoggerFactory.getLogger(MakeCityscapesJob.class);

    public static final String PROVENANCE = "_make-cityscapes.json";
    public static final String IMAGES = "leftImg8bit";
    public static final String MASKS = "gtFine";
    public static final String IMAGE_SUFFIX = "_leftImg8bit.png";
    public static final String MASK_SUFFIX = "_gtFine_labelIds.png";
    public static final List<String> SPLITS = List.of("train", "val");
    /** The frame number of every written frame: the annotated 20th frame of a Cityscapes snippet. */
    public static final int FRAME = 19;
    /** A scaled garment pixel of at least this gray value is garment; darker ones show the background. */
    public static final int GARMENT_THRESHOLD = 26;
    /** Label id by train id: road for the background, then one per Fashion-MNIST label (see the class doc). */
    public static final int[] LABEL_IDS = {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23};
    public static final List<String> CITYSCAPES_NAMES = List.of("road", "sidewalk", "building", "wall", "fence", "pole",
            "traffic light", "traffic sign", "vegetation", "terrain", "sky");
    public static final String BACKGROUND = "background";
    private static final int GARMENT_CLASSES = LABEL_IDS.length - 1;
    /** Cell sides of the background's value-noise octaves, coarse to fine, and their weights (summing to 1). */
    private static final int[] NOISE_CELLS = {256, 64, 16, 4};
    private static final float[] NOISE_WEIGHTS = {0.4f, 0.3f, 0.2f, 0.1f};

    /** One split's IDX records: the files, the gray images and, per label, the indices of its records. */
    record Records(Path images, Path labels, int width, int height, byte[][] pixels, int[][] byLabel) {
    }

    /** One composed frame: the RGB image, its label ids, and garments pasted and pixels labelled per train id. */
    record Frame(RgbImage image, RgbImage labelIds, long[] garments, long[] pixels) {
    }

    /** One train id of the tree: its label id and names, garments pasted and pixels labelled per split. */
    public record ClassEntry(int trainId, int labelId, String cityscapesName, String shows, Map<String, Long> garments,
                             Map<String, Long> pixels) {
    }

    /** What _make-cityscapes.json holds: the resolved config, inputs, frames and cities, classes, versions and timings. */
    public record Provenance(String job, String createdAt, Map<String, Object> config, List<InputFile> inputs, int width,
                             int height, int garmentThreshold, Map<String, Long> framesPerSplit,
                             Map<String, List<String>> citiesPerSplit, List<ClassEntry> classes, Map<String, String> versions,
                             Map<String, Double> timingsS) {
    }

    private MakeCityscapesJob() {
    }

    public static MakeCityscapesResult run(MakeCityscapesConfig cfg) {
        return run(cfg, new Configuration());
    }

    public static MakeCityscapesResult run(MakeCityscapesConfig cfg, Configuration conf) {
        long t0 = System.nanoTime();
        Map<String, Double> timings = new LinkedHashMap<>();
        Map<String, Records> records = new LinkedHashMap<>();
        records.put("train", read(cfg, "train", conf));
        records.put("val", read(cfg, "t10k", conf));
        timings.put("read", TreeFiles.seconds(t0));
        Map<String, List<String>> cities = new LinkedHashMap<>();
        Map<String, Long> frames = new LinkedHashMap<>();
        for (String split : SPLITS) {
            cities.put(split, cfg.cities(split));
            frames.put(split, (long) cfg.frames(split));
        }

        try (AtomicOutput out = AtomicOutput.open(cfg.output(), cfg.mode(), cfg.asMap(), conf)) {
            if (out == null) {
                LOG.info("{}: output {} exists, made with the same options, and --if-exists skip-ok: nothing to do", MakeCityscapesConfig.JOB, cfg.output());
                return new MakeCityscapesResult(Status.SKIPPED, cfg.output(), 0, Map.of(), Map.of(), cfg.width(), cfg.height(),
                        List.of(), 0, timings);
            }
            FileSystem fs = TreeFiles.files(Fs.of(out.staging(), conf));
            Path root = out.staging();
            for (String split : SPLITS) {
                for (String city : cities.get(split)) {
                    TreeFiles.mkdirs(fs, cityDir(root, IMAGES, split, city));
                    TreeFiles.mkdirs(fs, cityDir(root, MASKS, split, city));
                }
            }
            long[][] garments = new long[SPLITS.size()][LABEL_IDS.length];
            long[][] pixels = new long[SPLITS.size()][LABEL_IDS.length];
            long bytes = 0;
            ExecutorService pool = Executors.newFixedThreadPool(cfg.threads(), r -> {
                Thread t = new Thread(r, "make-cityscapes-compose");
                t.setDaemon(true);
                return t;
            });
            try {
                for (int s = 0; s < SPLITS.size(); s++) {
                    long ts = System.nanoTime();
                    bytes += writeSplit(cfg, s, records.get(SPLITS.get(s)), fs, root, pool, garments[s], pixels[s]);
                    timings.put("write_" + SPLITS.get(s), TreeFiles.seconds(ts));
                }
            } finally {
                TreeFiles.stop(pool, MakeCityscapesConfig.JOB);
            }
            List<ClassEntry> classes = classes(garments, pixels);
            List<InputFile> inputs = new ArrayList<>();
            for (Records r : records.values()) {
                inputs.add(TreeFiles.describe(r.images(), conf));
                inputs.add(TreeFiles.describe(r.labels(), conf));
            }
            timings.put("total", TreeFiles.seconds(t0));
            TreeFiles.writeText(fs, new Path(root, PROVENANCE), Json.pretty(new Provenance(MakeCityscapesConfig.JOB, Instant.now().toString(),
                    cfg.asMap(), inputs, cfg.width(), cfg.height(), GARMENT_THRESHOLD, frames, cities, classes, TreeFiles.versions(), timings)));
            out.publish();
            long total = frames.values().stream().mapToLong(Long::longValue).sum();
            LOG.info("{}: {} train + {} val frames ({} cities each, {}x{}) in {} s -> {}", MakeCityscapesConfig.JOB, frames.get("train"),
                    frames.get("val"), cfg.cities(), cfg.width(), cfg.height(),
                    String.format(Locale.ROOT, "%.1f", timings.get("total")), out.target());
            return new MakeCityscapesResult(Status.OK, out.target().toString(), total, frames, cities, cfg.width(), cfg.height(),
                    classes, bytes, timings);
        }
    }

    /** The records of the IDX pair {@code prefix}-*, checked to hold every one of the ten labels and no other. */
    private static Records read(MakeCityscapesConfig cfg, String prefix, Configuration conf) {
        Path images = find(cfg.input(), prefix + "-images-idx3-ubyte", conf);
        Path labels = find(cfg.input(), prefix + "-labels-idx1-ubyte", conf);
        IdxHeader ih = IdxReader.inspect(images, conf, 3);
        IdxHeader lh = IdxReader.inspect(labels, conf, 1);
        if (ih.count() != lh.count()) {
            throw new ConfigException(images + " holds " + ih.count() + " images but " + labels + " holds " + lh.count()
                    + " labels; they must be a pair from the same release.");
        }
        byte[][] raw = IdxReader.readRecords(labels, conf, 1, 0, lh.count());
        int[] perLabel = new int[GARMENT_CLASSES];
        int[][] byLabel = new int[GARMENT_CLASSES][];
        for (int pass = 0; pass < 2; pass++) {
            Arrays.fill(perLabel, 0);
            for (int i = 0; i < raw.length; i++) {
                int label = raw[i][0] & 0xff;
                if (label >= GARMENT_CLASSES) {
                    throw new ConfigException(MakeCityscapesConfig.JOB + ": " + labels + ": record " + i + " has label " + label
                            + ", but the label-id table covers only Fashion-MNIST's labels 0.." + (GARMENT_CLASSES - 1)
                            + "; point --input at Fashion-MNIST (submit/fetch-fashion-mnist.sh) or another ten-class IDX set.");
                }
                if (pass == 1) {
                    byLabel[label][perLabel[label]] = i;
                }
                perLabel[label]++;
            }
            if (pass == 0) {
                for (int l = 0; l < GARMENT_CLASSES; l++) {
                    if (perLabel[l] == 0) {
                        throw new ConfigException(MakeCityscapesConfig.JOB + ": " + labels + " holds no record of label " + l
                                + ", so its garment class could not be pasted; use the full Fashion-MNIST files.");
                    }
                    byLabel[l] = new int[perLabel[l]];
                }
            }
        }
        byte[][] pixels = IdxReader.readRecords(images, conf, 3, 0, ih.count());
        return new Records(images, labels, ih.dims()[2], ih.dims()[1], pixels, byLabel);
    }

    private static Path find(String dir, String base, Configuration conf) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = new Path(dir, name);
            if (Fs.exists(p, conf)) {
                return p;
            }
        }
        throw new ConfigException(MakeCityscapesConfig.JOB + ": --input " + dir + ": no " + base + " or " + base + ".gz there. "
                + "Fetch Fashion-MNIST with submit/fetch-fashion-mnist.sh, or point --input at a folder of IDX files.");
    }

    /** Composes, encodes and writes the split's frames on the pool, adding up their counts; returns the PNG bytes. */
    private static long writeSplit(MakeCityscapesConfig cfg, int splitIndex, Records records, FileSystem fs, Path root,
                                   ExecutorService pool, long[] garments, long[] pixels) {
        String split = SPLITS.get(splitIndex);
        int total = cfg.frames(split);
        List<String> cities = cfg.cities(split);
        AtomicLong done = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        try (ProgressTimer progress = new ProgressTimer(LOG, "make-cityscapes-progress", cfg.progressSeconds(),
                t -> MakeCityscapesConfig.JOB + ": " + split + ": " + t.counts(done.get(), total, "frames"))) {
            // a task returns only the counts, so that no more frames are held than threads compose
            List<Future<long[][]>> tasks = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int index = i;
                tasks.add(pool.submit(() -> {
                    Frame f = compose(cfg, records, frameSeed(cfg.seed(), splitIndex, index));
                    String city = cities.get(index % cities.size());
                    String stem = stem(city, index / cities.size());
                    byte[] png = ImageCodec.encodePng(f.image());
                    byte[] mask = ImageCodec.encodePng(f.labelIds());
                    TreeFiles.write(fs, new Path(cityDir(root, IMAGES, split, city), stem + IMAGE_SUFFIX), png);
                    TreeFiles.write(fs, new Path(cityDir(root, MASKS, split, city), stem + MASK_SUFFIX), mask);
                    bytes.addAndGet(png.length + mask.length);
                    done.incrementAndGet();
                    return new long[][]{f.garments(), f.pixels()};
                }));
            }
            for (Future<long[][]> t : tasks) {
                long[][] counts = TreeFiles.await(t);
                for (int k = 0; k < LABEL_IDS.length; k++) {
                    garments[k] += counts[0][k];
                    pixels[k] += counts[1][k];
                }
            }
        }
        return bytes.get();
    }

    /** {@code <city>_<seq:06d>_000019}, the name stem Cityscapes gives a frame. */
    static String stem(String city, int seq) {
        return String.format(Locale.ROOT, "%s_%06d_%06d", city, seq, FRAME);
    }

    private static Path cityDir(Path root, String type, String split, String city) {
        return new Path(new Path(new Path(root, type), split), city);
    }

    /** The seed of frame {@code index} of split {@code splitIndex}: distinct per frame, independent of the thread count. */
    static long frameSeed(long seed, int splitIndex, int index) {
        return mix(mix(seed) + 31L * splitIndex + 1) ^ mix(index + 0x5DEECE66DL);
    }

    /** Frame {@code frameSeed}: background first, then the garments, all drawn from one Random in this order. */
    static Frame compose(MakeCityscapesConfig cfg, Records records, long frameSeed) {
        Random r = new Random(frameSeed);
        int w = cfg.width();
        int h = cfg.height();
        RgbImage image = background(w, h, r);
        byte[] mask = new byte[w * h];
        Arrays.fill(mask, (byte) LABEL_IDS[0]);
        long[] garments = new long[LABEL_IDS.length];
        int lo = (cfg.garments() + 1) / 2;
        int count = lo + r.nextInt(cfg.garments() + cfg.garments() / 2 - lo + 1);
        int firstLabel = r.nextInt(GARMENT_CLASSES);
        for (int k = 0; k < count; k++) {
            int label = (firstLabel + k) % GARMENT_CLASSES;
            int[] ofLabel = records.byLabel()[label];
            byte[] gray = records.pixels()[ofLabel[r.nextInt(ofLabel.length)]];
            int side = cfg.minSize() + r.nextInt(cfg.maxSize() - cfg.minSize() + 1);
            int x = r.nextInt(w - side + 1);
            int y = r.nextInt(h - side + 1);
            RgbImage scaled = Resize.resize(new RgbImage(records.width(), records.height(), 1, gray), side, side);
            paste(image.pixels(), mask, w, scaled, x, y, tint(r), LABEL_IDS[label + 1]);
            garments[label + 1]++;
        }
        long[] pixels = new long[LABEL_IDS.length];
        int[] trainIdOf = new int[256];
        for (int t = 0; t < LABEL_IDS.length; t++) {
            trainIdOf[LABEL_IDS[t]] = t;
        }
        for (byte b : mask) {
            pixels[trainIdOf[b & 0xff]]++;
        }
        return new Frame(image, new RgbImage(w, h, 1, mask), garments, pixels);
    }

    /**
     * Pastes a scaled gray garment with its top-left corner at ({@code x0}, {@code y0}): each of its pixels of gray
     * value {@code v >= GARMENT_THRESHOLD} becomes {@code round(v * tint / 255)} per channel in {@code rgb} and
     * {@code labelId} in {@code mask}; the darker ones leave both as they were.
     */
    static void paste(byte[] rgb, byte[] mask, int frameWidth, RgbImage garment, int x0, int y0, int[] tint, int labelId) {
        byte[] g = garment.pixels();
        int gw = garment.width();
        for (int y = 0; y < garment.height(); y++) {
            for (int x = 0; x < gw; x++) {
                int v = g[y * gw + x] & 0xff;
                if (v < GARMENT_THRESHOLD) {
                    continue;
                }
                int p = (y0 + y) * frameWidth + x0 + x;
                mask[p] = (byte) labelId;
                for (int c = 0; c < 3; c++) {
                    rgb[3 * p + c] = (byte) ((v * tint[c] + 127) / 255);
                }
            }
        }
    }

    /** A random saturated colour: any hue, saturation 0.4..1, brightness 0.7..1. */
    private static int[] tint(Random r) {
        int rgb = Color.HSBtoRGB(r.nextFloat(), 0.4f + 0.6f * r.nextFloat(), 0.7f + 0.3f * r.nextFloat());
        return new int[]{(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
    }

    /**
     * The textured background, the first thing drawn from a frame's Random: a road-like base colour (gray 80..159,
     * each channel shifted by up to 15) scaled per pixel by 0.5 + value noise in [0, 1], the noise summing
     * octaves of bilinearly (smoothstep) interpolated random lattices.
     */
    static RgbImage background(int w, int h, Random r) {
        float[] noise = new float[w * h];
        for (int o = 0; o < NOISE_CELLS.length; o++) {
            addOctave(noise, w, h, NOISE_CELLS[o], NOISE_WEIGHTS[o], r);
        }
        int gray = 80 + r.nextInt(80);
        int[] base = {gray + r.nextInt(31) - 15, gray + r.nextInt(31) - 15, gray + r.nextInt(31) - 15};
        byte[] rgb = new byte[3 * w * h];
        for (int p = 0; p < noise.length; p++) {
            float f = 0.5f + noise[p];
            for (int c = 0; c < 3; c++) {
                rgb[3 * p + c] = (byte) Math.min(255, Math.round(base[c] * f));
            }
        }
        return new RgbImage(w, h, 3, rgb);
    }

    private static void addOctave(float[] noise, int w, int h, int cell, float weight, Random r) {
        int gw = w / cell + 2;
        int gh = h / cell + 2;
        float[] lattice = new float[gw * gh];
        for (int i = 0; i < lattice.length; i++) {
            lattice[i] = r.nextFloat();
        }
        for (int y = 0; y < h; y++) {
            int gy = y / cell;
            float ty = smooth((y % cell + 0.5f) / cell);
            for (int x = 0; x < w; x++) {
                int gx = x / cell;
                float tx = smooth((x % cell + 0.5f) / cell);
                int i = gy * gw + gx;
                float top = lattice[i] + (lattice[i + 1] - lattice[i]) * tx;
                float bottom = lattice[i + gw] + (lattice[i + gw + 1] - lattice[i + gw]) * tx;
                noise[y * w + x] += weight * (top + (bottom - top) * ty);
            }
        }
    }

    private static float smooth(float t) {
        return t * t * (3 - 2 * t);
    }

    private static List<ClassEntry> classes(long[][] garments, long[][] pixels) {
        List<ClassEntry> out = new ArrayList<>();
        for (int t = 0; t < LABEL_IDS.length; t++) {
            Map<String, Long> g = new LinkedHashMap<>();
            Map<String, Long> p = new LinkedHashMap<>();
            for (int s = 0; s < SPLITS.size(); s++) {
                g.put(SPLITS.get(s), garments[s][t]);
                p.put(SPLITS.get(s), pixels[s][t]);
            }
            String shows = t == 0 ? BACKGROUND : (t - 1) + " " + MakeIlsvrcConfig.FASHION_MNIST_LABELS.get(t - 1);
            out.add(new ClassEntry(t, LABEL_IDS[t], CITYSCAPES_NAMES.get(t), shows, g, p));
        }
        return out;
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
