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

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes an IDX dataset (real Fashion-MNIST) as an ILSVRC-2012 root in the Kaggle layout that prep-imagenet reads:
 * {@code train/<wnid>/<wnid>_<n>.JPEG}, a flat {@code val/ILSVRC2012_val_<8 digits>.JPEG},
 * {@code LOC_val_solution.csv} and {@code LOC_synset_mapping.txt}, so that the ImageNet prep and training path runs
 * on real pixels. Each gray image is scaled up bilinearly to {@code size x size} and written as a three-channel
 * RGB JPEG, as ImageNet's photos are; {@code <n>} and the val number are the 1-based record index in the IDX file,
 * so every JPEG traces back to its record ({@code --copies} writes training records again as mirrored and shifted
 * variants, numbered on past the record count). Training images come from {@code train-*}, val images from
 * {@code t10k-*}. Classes and wnids follow a {@link WnidPlan}. The tree is written by a thread pool into a hidden
 * staging folder that is renamed into place only when complete, with {@code _make-ilsvrc.json} describing it.
 */
public final class MakeIlsvrcJob {
    private static final Logger LOG = LoggerFactory.getLogger(MakeIlsvrcJob.class);

    public static final String SYNSET_MAPPING = "LOC_synset_mapping.txt";
    public static final String VAL_SOLUTION = "LOC_val_solution.csv";
    public static final String PROVENANCE = "_make-ilsvrc.json";
    /** Records a pool task scales and encodes; small enough for an even spread, large enough to be cheap to schedule. */
    private static final int CHUNK = 256;

    /** The source files of one split and the records taken from them. */
    private record Split(String name, Path images, Path labels, IdxHeader header, int count) {
    }

    /** One class of the tree: its index in sorted-wnid order, wnid, words, source label and images per split. */
    public record ClassEntry(int index, String wnid, String words, int label, long train, long val) {
    }

    /** What _make-ilsvrc.json holds: the resolved config, the inputs, the classes and counts, versions and timings. */
    public record Provenance(String job, String createdAt, Map<String, Object> config, List<InputFile> inputs, int width,
                             int height, int channels, Map<String, Long> imagesPerSplit, List<ClassEntry> classes,
                             Map<String, String> versions, Map<String, Double> timingsS) {
    }

    private MakeIlsvrcJob() {
    }

    public static MakeIlsvrcResult run(MakeIlsvrcConfig cfg) {
        return run(cfg, new Configuration());
    }

    public static MakeIlsvrcResult run(MakeIlsvrcConfig cfg, Configuration conf) {
        long t0 = System.nanoTime();
        Map<String, Double> timings = new LinkedHashMap<>();
        Split train = locate(cfg, "train", "train", cfg.trainLimit(), conf);
        Split val = locate(cfg, "val", "t10k", cfg.valLimit(), conf);
        WnidPlan plan = WnidPlan.of(MakeIlsvrcConfig.JOB, cfg.classes(), cfg.labelNames());
        int[] trainClasses = assign(plan, labels(cfg, train, conf));
        int[] valClasses = assign(plan, labels(cfg, val, conf));
        long[] trainCounts = counts(plan, trainClasses, cfg.copies());
        long[] valCounts = counts(plan, valClasses, 1);
        checkEveryClassHasTrainingImages(cfg, plan, trainCounts);
        timings.put("inspect", TreeFiles.seconds(t0));

        try (AtomicOutput out = AtomicOutput.open(cfg.output(), cfg.mode(), cfg.asMap(), conf)) {
            if (out == null) {
                LOG.info("{}: output {} exists, made with the same options, and --if-exists skip-ok: nothing to do", MakeIlsvrcConfig.JOB, cfg.output());
                return new MakeIlsvrcResult(Status.SKIPPED, cfg.output(), 0, Map.of(), cfg.classes(), cfg.size(), 0, timings);
            }
            FileSystem fs = TreeFiles.files(Fs.of(out.staging(), conf));
            Path root = out.staging();
            TreeFiles.mkdirs(fs, new Path(root, "val"));
            for (int j = 0; j < plan.classes(); j++) {
                TreeFiles.mkdirs(fs, new Path(new Path(root, "train"), plan.wnid(j)));
            }
            long bytes = 0;
            ExecutorService pool = Executors.newFixedThreadPool(cfg.threads(), r -> {
                Thread t = new Thread(r, "make-ilsvrc-encode");
                t.setDaemon(true);
                return t;
            });
            try {
                long ts = System.nanoTime();
                bytes += writeSplit(cfg, plan, train, trainClasses, conf, fs, root, pool);
                timings.put("write_train", TreeFiles.seconds(ts));
                ts = System.nanoTime();
                bytes += writeSplit(cfg, plan, val, valClasses, conf, fs, root, pool);
                timings.put("write_val", TreeFiles.seconds(ts));
            } finally {
                TreeFiles.stop(pool, MakeIlsvrcConfig.JOB);
            }
            TreeFiles.writeText(fs, new Path(root, VAL_SOLUTION), valSolution(cfg, plan, valClasses));
            TreeFiles.writeText(fs, new Path(root, SYNSET_MAPPING), synsetMapping(plan));
            Map<String, Long> perSplit = new LinkedHashMap<>();
            perSplit.put(train.name(), (long) cfg.copies() * train.count());
            perSplit.put(val.name(), (long) val.count());
            timings.put("total", TreeFiles.seconds(t0));
            List<ClassEntry> classes = new ArrayList<>();
            for (int j = 0; j < plan.classes(); j++) {
                classes.add(new ClassEntry(j, plan.wnid(j), plan.words(j), plan.label(j), trainCounts[j], valCounts[j]));
            }
            List<InputFile> inputs = new ArrayList<>();
            for (Path p : List.of(train.images(), train.labels(), val.images(), val.labels())) {
                inputs.add(TreeFiles.describe(p, conf));
            }
            TreeFiles.writeText(fs, new Path(root, PROVENANCE), Json.pretty(new Provenance(MakeIlsvrcConfig.JOB, Instant.now().toString(),
                    cfg.asMap(), inputs, cfg.size(), cfg.size(), 3, perSplit, classes, TreeFiles.versions(), timings)));
            out.publish();
            long images = perSplit.get(train.name()) + val.count();
            LOG.info("{}: {} train + {} val JPEGs ({} classes, {}x{}) in {} s -> {}", MakeIlsvrcConfig.JOB, perSplit.get(train.name()),
                    val.count(), plan.classes(), cfg.size(), cfg.size(), String.format(Locale.ROOT, "%.1f", timings.get("total")),
                    out.target());
            return new MakeIlsvrcResult(Status.OK, out.target().toString(), images, perSplit, plan.classes(), cfg.size(), bytes,
                    timings);
        }
    }

    private static Split locate(MakeIlsvrcConfig cfg, String split, String prefix, int limit, Configuration conf) {
        Path images = find(cfg.input(), prefix + "-images-idx3-ubyte", conf);
        Path labels = find(cfg.input(), prefix + "-labels-idx1-ubyte", conf);
        IdxHeader ih = IdxReader.inspect(images, conf, 3);
        IdxHeader lh = IdxReader.inspect(labels, conf, 1);
        if (ih.count() != lh.count()) {
            throw new ConfigException(images + " holds " + ih.count() + " images but " + labels + " holds " + lh.count()
                    + " labels; they must be a pair from the same release.");
        }
        return new Split(split, images, labels, ih, limit > 0 ? Math.min(limit, ih.count()) : ih.count());
    }

    private static Path find(String dir, String base, Configuration conf) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = new Path(dir, name);
            if (Fs.exists(p, conf)) {
                return p;
            }
        }
        throw new ConfigException(MakeIlsvrcConfig.JOB + ": --input " + dir + ": no " + base + " or " + base + ".gz there. "
                + "Fetch Fashion-MNIST with submit/fetch-fashion-mnist.sh, or point --input at a folder of IDX files.");
    }

    /** The labels of the split's records, each checked to have a name. */
    private static int[] labels(MakeIlsvrcConfig cfg, Split s, Configuration conf) {
        byte[][] raw = IdxReader.readRecords(s.labels(), conf, 1, 0, s.count());
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = raw[i][0] & 0xff;
            if (out[i] >= cfg.labelNames().size()) {
                throw new ConfigException(MakeIlsvrcConfig.JOB + ": " + s.labels() + ": record " + i + " has label " + out[i]
                        + " but --label-names names only " + cfg.labelNames().size() + " labels; give one name per label, in order.");
            }
        }
        return out;
    }

    /** Each record's class: the k-th record of a label goes to that label's wnid k mod perLabel. */
    private static int[] assign(WnidPlan plan, int[] labels) {
        int[] seen = new int[plan.labelNames().size()];
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = plan.classOf(labels[i], seen[labels[i]]++);
        }
        return out;
    }

    private static long[] counts(WnidPlan plan, int[] classes, int copies) {
        long[] c = new long[plan.classes()];
        for (int j : classes) {
            c[j] += copies;
        }
        return c;
    }

    /** An ImageNet class folder is never empty; a wnid without training images would be a class nobody can learn. */
    private static void checkEveryClassHasTrainingImages(MakeIlsvrcConfig cfg, WnidPlan plan, long[] trainCounts) {
        for (int j = 0; j < trainCounts.length; j++) {
            if (trainCounts[j] == 0) {
                int label = plan.label(j);
                long ofLabel = 0;
                for (int k = label * plan.perLabel(); k < (label + 1) * plan.perLabel(); k++) {
                    ofLabel += trainCounts[k];
                }
                throw new ConfigException(MakeIlsvrcConfig.JOB + ": --classes " + cfg.classes() + " gives label " + label + " ('"
                        + plan.words(j) + "') " + plan.perLabel() + " wnids, but the training records used (--train-limit "
                        + cfg.trainLimit() + ") hold only " + ofLabel + " images of it, so wnid " + plan.wnid(j)
                        + " would have none. Raise --train-limit (0 = all) or lower --classes.");
            }
        }
    }

    /** Scales, encodes and writes the split's JPEGs on the pool; returns the bytes written. */
    private static long writeSplit(MakeIlsvrcConfig cfg, WnidPlan plan, Split s, int[] classes, Configuration conf,
                                   FileSystem fs, Path root, ExecutorService pool) {
        byte[][] pixels = IdxReader.readRecords(s.images(), conf, 3, 0, s.count());
        int height = s.header().dims()[1];
        int width = s.header().dims()[2];
        AtomicLong done = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        Path dir = new Path(root, s.name());
        boolean isTrain = s.name().equals("train");
        int copies = isTrain ? cfg.copies() : 1;
        long total = (long) copies * s.count();
        try (ProgressTimer progress = new ProgressTimer(LOG, "make-ilsvrc-progress", cfg.progressSeconds(),
                t -> MakeIlsvrcConfig.JOB + ": " + s.name() + ": " + t.counts(done.get(), total, "JPEGs"))) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int copy = 0; copy < copies; copy++) {
                for (int from = 0; from < s.count(); from += CHUNK) {
                    int c = copy;
                    int start = from;
                    int end = Math.min(s.count(), from + CHUNK);
                    tasks.add(pool.submit(() -> {
                        for (int i = start; i < end; i++) {
                            byte[] jpeg = ImageCodec.encodeJpeg(variant(rgb(pixels[i], width, height, cfg.size()), c), cfg.quality());
                            // <n> is 1-based over all copies: record (n - 1) mod the record count, copy (n - 1) / it
                            long n = (long) c * s.count() + i + 1;
                            Path file = isTrain
                                    ? new Path(new Path(dir, plan.wnid(classes[i])), plan.wnid(classes[i]) + "_" + n + ".JPEG")
                                    : new Path(dir, valName(i) + ".JPEG");
                            TreeFiles.write(fs, file, jpeg);
                            bytes.addAndGet(jpeg.length);
                            done.incrementAndGet();
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> t : tasks) {
                TreeFiles.await(t);
            }
        }
        return bytes.get();
    }

    /** The gray record scaled to size x size (bilinear, Pillow's filter) and copied into three equal RGB channels. */
    static RgbImage rgb(byte[] gray, int width, int height, int size) {
        RgbImage scaled = Resize.resize(new RgbImage(width, height, 1, gray), size, size);
        byte[] g = scaled.pixels();
        byte[] rgb = new byte[g.length * 3];
        for (int i = 0; i < g.length; i++) {
            rgb[3 * i] = g[i];
            rgb[3 * i + 1] = g[i];
            rgb[3 * i + 2] = g[i];
        }
        return new RgbImage(size, size, 3, rgb);
    }

    /**
     * Copy {@code c} of an image: the image itself for copy 0; else mirrored left to right when {@code c} is odd and
     * shifted right by {@code c / 2} pixels (the left column repeated), so that no two copies are the same JPEG.
     */
    static RgbImage variant(RgbImage img, int c) {
        if (c == 0) {
            return img;
        }
        int w = img.width();
        int ch = img.channels();
        int shift = Math.min(c / 2, w - 1);
        byte[] in = img.pixels();
        byte[] out = new byte[in.length];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < w; x++) {
                int sx = Math.max(0, x - shift);
                int from = (c % 2 == 1) ? w - 1 - sx : sx;
                System.arraycopy(in, (y * w + from) * ch, out, (y * w + x) * ch, ch);
            }
        }
        return new RgbImage(w, img.height(), ch, out);
    }

    private static String valName(int record) {
        return String.format(Locale.ROOT, "ILSVRC2012_val_%08d", record + 1);
    }

    /** Kaggle's {@code ImageId,PredictionString}; the one box is the whole image, as the object fills it. */
    private static String valSolution(MakeIlsvrcConfig cfg, WnidPlan plan, int[] classes) {
        StringBuilder sb = new StringBuilder("ImageId,PredictionString\n");
        int max = cfg.size() - 1;
        for (int i = 0; i < classes.length; i++) {
            sb.append(valName(i)).append(',').append(plan.wnid(classes[i])).append(" 0 0 ").append(max).append(' ').append(max)
                    .append('\n');
        }
        return sb.toString();
    }

    private static String synsetMapping(WnidPlan plan) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < plan.classes(); j++) {
            sb.append(plan.wnid(j)).append(' ').append(plan.words(j)).append('\n');
        }
        return sb.toString();
    }
}
