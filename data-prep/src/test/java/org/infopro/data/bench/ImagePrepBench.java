package org.infopro.data.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.data.image.BadImageException;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.image.Resize;
import org.infopro.data.io.Json;
import org.infopro.data.testing.ImageFixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Per-core throughput of our JDK-only image prep against ImageMagick on the same generated files, in one run:
 * ImageNet-style (JPEG, decode, short side 256, JPEG quality 90) and Cityscapes-style (2048x1024 RGB PNG and
 * 8-bit label PNG, decode and re-encode). Both sides run single-threaded; each side gets a warm-up pass and
 * then {@code --rounds} timed passes alternated with the other side, and the fastest pass counts, which
 * damps the noise of a shared machine. Run by {@code submit/bench-prep.sh}.
 */
public final class ImagePrepBench {
    static final String JOB = "bench-prep";

    static final Opt<Integer> IMAGES = Opt.intIn("images", "N", "ImageNet-style JPEGs to generate.", 300, 1, 100_000);
    static final Opt<Integer> CITY_PAIRS = Opt.intIn("city-pairs", "M", "Cityscapes-style 2048x1024 image + label PNG pairs to generate.",
            10, 0, 1000);
    static final Opt<Integer> ROUNDS = Opt.intIn("rounds", "R", "Timed passes per side after the warm-up; the fastest counts.", 2, 1, 20);
    static final Opt<Integer> SHORT_SIDE = Opt.intIn("short-side", "S", "Short side after resizing.", 256, 8, 4096);
    static final Opt<Integer> QUALITY = Opt.intIn("quality", "Q", "JPEG quality of the resized output.", 90, 1, 100);
    static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of the generated images.", 1, 0, Long.MAX_VALUE);
    static final Opt<String> MOGRIFY = Opt.text("mogrify", "PATH", "ImageMagick's mogrify for the native reference, or 'none' to skip it.",
            "mogrify");
    static final Opt<String> WORK = Opt.string("work", "DIR", "Folder for generated inputs and outputs (default: a temporary folder, "
            + "deleted).", "");
    static final Opt<String> JSON = Opt.text("json", "PATH", "Where to write the results as JSON.", "docs/results/prep-bench.json");
    static final Opt<String> MARKDOWN = Opt.text("markdown", "PATH", "Where to write the results as a short markdown report.",
            "docs/results/prep-bench.md");
    static final List<Opt<?>> OPTIONS = List.of(IMAGES, CITY_PAIRS, ROUNDS, SHORT_SIDE, QUALITY, SEED, MOGRIFY, WORK, JSON, MARKDOWN);

    /** The benchmark's settings, checked once. */
    public record Config(int images, int cityPairs, int rounds, int shortSide, int quality, long seed, String mogrify,
                         Path work, Path json, Path markdown) {
        static Config from(Options o) {
            String work = o.get(WORK);
            return new Config(o.get(IMAGES), o.get(CITY_PAIRS), o.get(ROUNDS), o.get(SHORT_SIDE), o.get(QUALITY), o.get(SEED),
                    o.get(MOGRIFY), work.isEmpty() ? null : Path.of(work), Path.of(o.get(JSON)), Path.of(o.get(MARKDOWN)));
        }
    }

    /**
     * One side's fastest timed pass: wall-clock seconds, the CPU seconds of its process(es) in that pass, the
     * seconds per phase (ours only) and the bytes it wrote.
     */
    public record Pass(String workload, String tool, String command, int images, double wallS, double cpuS,
                       Map<String, Double> phaseS, long outputBytes) {
        @JsonProperty("images_per_s")
        public double imagesPerS() {
            return images / wallS;
        }

        @JsonProperty("images_per_cpu_s")
        public double imagesPerCpuS() {
            return images / cpuS;
        }
    }

    /**
     * Ours against ImageMagick for one workload: ratio = our images/s over theirs (above 1: we are faster);
     * agreement says how close the two outputs are, so the figures compare the same job.
     */
    public record Comparison(String workload, String nativeTool, double ratioWall, double ratioCpu, String agreement) {
    }

    /** The knobs that shape the figures; the file paths of {@link Config} stay out of the results. */
    public record Settings(int images, int cityPairs, int rounds, int shortSide, int quality, long seed) {
        static Settings of(Config c) {
            return new Settings(c.images(), c.cityPairs(), c.rounds(), c.shortSide(), c.quality(), c.seed());
        }
    }

    public record Result(String createdAt, Map<String, String> versions, int cores, String loadAverageAtStart,
                         Settings settings, String method, List<Pass> passes, List<Comparison> comparisons) {
    }

    private ImagePrepBench() {
    }

    public static void main(String[] args) {
        if (Options.wantsHelp(args)) {
            System.out.print(Options.help(JOB, "Per-core image-prep throughput: ours vs ImageMagick.", OPTIONS));
            return;
        }
        int code;
        try {
            Config config = Options.parse(JOB, OPTIONS, args, Config::from);
            run(config);
            System.out.println("results: " + config.json() + ", " + config.markdown());
            code = 0;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            code = 2;
        } catch (RuntimeException | IOException | BadImageException e) {
            System.err.println(JOB + ": failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    public static Result run(Config c) throws IOException, BadImageException {
        String loadAverage = loadAverage();
        Magick magick = Magick.probe(c.mogrify());
        boolean temporary = c.work() == null;
        Path work = temporary ? Files.createTempDirectory("prep-bench") : Files.createDirectories(c.work());
        try {
            System.out.printf(Locale.ROOT, "generating %d JPEGs and %d PNG pairs in %s%n", c.images(), c.cityPairs(), work);
            List<Path> jpegs = generateImageNet(work.resolve("imagenet"), c);
            List<Path> pngs = generateCityscapes(work.resolve("cityscapes"), c);

            List<Pass> passes = new ArrayList<>();
            List<Comparison> comparisons = new ArrayList<>();
            Path oursOut = Files.createDirectories(work.resolve("out-ours"));
            Path nativeOut = Files.createDirectories(work.resolve("out-native"));
            String resizeGeometry = c.shortSide() + "x" + c.shortSide() + "^";
            List<String> imagenetArgs = List.of("-resize", resizeGeometry, "-quality", String.valueOf(c.quality()),
                    "-sampling-factor", "2x2,1x1,1x1");
            Pass ours = compare(passes, comparisons, "imagenet", () -> imagenetOurs(jpegs, oursOut, c),
                    magick, "imagemagick", imagenetArgs, jpegs, oursOut, nativeOut, c.rounds());
            if (magick != null) {
                List<String> triangle = new ArrayList<>(List.of("-filter", "Triangle"));
                triangle.addAll(imagenetArgs);
                Pass t = bestNative(magick, "imagenet", "imagemagick-triangle", triangle, jpegs, nativeOut, c.rounds());
                passes.add(t);
                comparisons.add(new Comparison("imagenet", t.tool(), ours.imagesPerS() / t.imagesPerS(),
                        ours.imagesPerCpuS() / t.imagesPerCpuS(), agreement(jpegs, oursOut, nativeOut)));
            }
            if (!pngs.isEmpty()) {
                compare(passes, comparisons, "cityscapes", () -> cityscapesOurs(pngs, oursOut),
                        magick, "imagemagick", List.of(), pngs, oursOut, nativeOut, c.rounds());
            }
            Result result = new Result(Instant.now().toString(), versions(magick), Runtime.getRuntime().availableProcessors(),
                    loadAverage, Settings.of(c), method(c), passes, comparisons);
            report(result, c);
            return result;
        } finally {
            if (temporary) {
                deleteTree(work);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** ImageNet-typical sizes: mostly 500x375 and 375x500, some 640x480 and 500x333. */
    private static List<Path> generateImageNet(Path dir, Config c) {
        int[][] sizes = {{500, 375}, {500, 375}, {500, 375}, {500, 375}, {375, 500}, {375, 500}, {375, 500},
                {640, 480}, {640, 480}, {500, 333}};
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < c.images(); i++) {
            int[] s = sizes[i % sizes.length];
            RgbImage img = ImageFixtures.photoLike(s[0], s[1], c.seed() * 1_000_003L + i);
            files.add(ImageFixtures.write(dir, String.format(Locale.ROOT, "img_%05d.jpg", i), ImageFixtures.jpeg(img, 90)));
        }
        return files;
    }

    private static List<Path> generateCityscapes(Path dir, Config c) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < c.cityPairs(); i++) {
            long seed = c.seed() * 7_000_003L + i;
            String stem = String.format(Locale.ROOT, "city_%03d_000019", i);
            files.add(ImageFixtures.write(dir, stem + "_leftImg8bit.png", ImageFixtures.png(ImageFixtures.photoLike(2048, 1024, seed))));
            files.add(ImageFixtures.write(dir, stem + "_gtFine_labelIds.png", ImageFixtures.png(ImageFixtures.labelMask(2048, 1024, 80, seed))));
        }
        return files;
    }

    // ------------------------------------------------------------------------------------------------ our side

    private interface OursPass {
        Pass run() throws IOException, BadImageException;
    }

    /** read bytes, decodeRgb, Resize.shortSide, encodeJpeg, write: one image at a time on this thread. */
    private static Pass imagenetOurs(List<Path> jpegs, Path out, Config c) throws IOException, BadImageException {
        long[] ns = new long[5];
        long bytes = 0;
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        for (Path p : jpegs) {
            long t0 = System.nanoTime();
            byte[] in = Files.readAllBytes(p);
            long t1 = System.nanoTime();
            RgbImage img = ImageCodec.decodeRgb(in, ImageCodec.DEFAULT_MAX_PIXELS);
            long t2 = System.nanoTime();
            RgbImage small = Resize.shortSide(img, c.shortSide());
            long t3 = System.nanoTime();
            byte[] jpeg = ImageCodec.encodeJpeg(small, c.quality());
            long t4 = System.nanoTime();
            Files.write(out.resolve(p.getFileName()), jpeg);
            long t5 = System.nanoTime();
            ns[0] += t1 - t0;
            ns[1] += t2 - t1;
            ns[2] += t3 - t2;
            ns[3] += t4 - t3;
            ns[4] += t5 - t4;
            bytes += jpeg.length;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        return new Pass("imagenet", "ours", "ImageCodec.decodeRgb + Resize.shortSide(" + c.shortSide()
                + ") + ImageCodec.encodeJpeg(" + c.quality() + ")", jpegs.size(), wall, cpu,
                phases(ns, "read", "decode", "resize", "encode", "write"), bytes);
    }

    /** Per pair: decodeRgb of the image, decodeGray of the label ids, encodePng of both, write both. */
    private static Pass cityscapesOurs(List<Path> pngs, Path out) throws IOException, BadImageException {
        long[] ns = new long[4];
        long bytes = 0;
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        for (Path p : pngs) {
            long t0 = System.nanoTime();
            byte[] in = Files.readAllBytes(p);
            long t1 = System.nanoTime();
            boolean label = p.getFileName().toString().endsWith("_labelIds.png");
            RgbImage img = label ? ImageCodec.decodeGray(in, ImageCodec.DEFAULT_MAX_PIXELS)
                    : ImageCodec.decodeRgb(in, ImageCodec.DEFAULT_MAX_PIXELS);
            long t2 = System.nanoTime();
            byte[] png = ImageCodec.encodePng(img);
            long t3 = System.nanoTime();
            Files.write(out.resolve(p.getFileName()), png);
            long t4 = System.nanoTime();
            ns[0] += t1 - t0;
            ns[1] += t2 - t1;
            ns[2] += t3 - t2;
            ns[3] += t4 - t3;
            bytes += png.length;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        return new Pass("cityscapes", "ours", "ImageCodec.decodeRgb / decodeGray + ImageCodec.encodePng",
                pngs.size(), wall, cpu, phases(ns, "read", "decode", "encode", "write"), bytes);
    }

    private static Map<String, Double> phases(long[] ns, String... names) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], ns[i] / 1e9);
        }
        return m;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ comparison

    /**
     * Warm-up of both sides, then rounds alternating ours and native; the fastest pass of each is kept and
     * added to {@code passes}. Returns our fastest pass.
     */
    private static Pass compare(List<Pass> passes, List<Comparison> comparisons, String workload, OursPass ours,
                                Magick magick, String tool, List<String> magickArgs, List<Path> inputs, Path oursOut,
                                Path nativeOut, int rounds) throws IOException, BadImageException {
        System.out.printf(Locale.ROOT, "%s: warm-up%n", workload);
        ours.run();
        if (magick != null) {
            magick.mogrify(magickArgs, inputs, nativeOut);
        }
        Pass bestOurs = null;
        Pass bestNative = null;
        for (int r = 0; r < rounds; r++) {
            System.gc();
            Pass o = ours.run();
            bestOurs = bestOurs == null || o.wallS() < bestOurs.wallS() ? o : bestOurs;
            if (magick != null) {
                Pass n = magick.mogrify(magickArgs, inputs, nativeOut).as(workload, tool, inputs.size());
                bestNative = bestNative == null || n.wallS() < bestNative.wallS() ? n : bestNative;
            }
            System.out.printf(Locale.ROOT, "%s: round %d/%d done%n", workload, r + 1, rounds);
        }
        passes.add(bestOurs);
        if (bestNative != null) {
            passes.add(bestNative);
            comparisons.add(new Comparison(workload, tool, bestOurs.imagesPerS() / bestNative.imagesPerS(),
                    bestOurs.imagesPerCpuS() / bestNative.imagesPerCpuS(), agreement(inputs, oursOut, nativeOut)));
        }
        return bestOurs;
    }

    /**
     * How far our outputs are from ImageMagick's for the same inputs, both decoded with our codec: equal sizes
     * are required, then the PSNR over all samples (identical outputs say so).
     */
    private static String agreement(List<Path> inputs, Path oursOut, Path nativeOut) throws IOException, BadImageException {
        double se = 0;
        long samples = 0;
        for (Path in : inputs) {
            Path name = in.getFileName();
            boolean label = name.toString().endsWith("_labelIds.png");
            byte[] a = Files.readAllBytes(oursOut.resolve(name));
            byte[] b = Files.readAllBytes(nativeOut.resolve(name));
            RgbImage x = label ? ImageCodec.decodeGray(a, ImageCodec.DEFAULT_MAX_PIXELS) : ImageCodec.decodeRgb(a, ImageCodec.DEFAULT_MAX_PIXELS);
            RgbImage y = label ? ImageCodec.decodeGray(b, ImageCodec.DEFAULT_MAX_PIXELS) : ImageCodec.decodeRgb(b, ImageCodec.DEFAULT_MAX_PIXELS);
            if (x.width() != y.width() || x.height() != y.height()) {
                return "sizes differ for " + name + ": ours " + x.width() + "x" + x.height() + ", ImageMagick's "
                        + y.width() + "x" + y.height();
            }
            for (int i = 0; i < x.pixels().length; i++) {
                int d = (x.pixels()[i] & 0xff) - (y.pixels()[i] & 0xff);
                se += d * d;
            }
            samples += x.pixels().length;
        }
        if (se == 0) {
            return "identical pixels in all " + inputs.size() + " outputs";
        }
        return String.format(Locale.ROOT, "same sizes; PSNR %.1f dB between the outputs over all %d images",
                10 * Math.log10(255.0 * 255.0 / (se / samples)), inputs.size());
    }

    private static Pass bestNative(Magick magick, String workload, String tool, List<String> args, List<Path> inputs,
                                   Path out, int rounds) throws IOException {
        magick.mogrify(args, inputs, out);
        Pass best = null;
        for (int r = 0; r < rounds; r++) {
            Pass n = magick.mogrify(args, inputs, out).as(workload, tool, inputs.size());
            best = best == null || n.wallS() < best.wallS() ? n : best;
        }
        return best;
    }

    /** ImageMagick's mogrify, checked to be the real thing, run single-threaded in one process over all inputs. */
    record Magick(String mogrify, String version) {
        /** Null for 'none'; fails when the tool does not answer {@code -version} as ImageMagick. */
        static Magick probe(String mogrify) throws IOException {
            if (mogrify.equals("none")) {
                return null;
            }
            Process p = new ProcessBuilder(mogrify, "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            waitFor(p);
            String first = out.lines().findFirst().orElse("");
            if (!first.contains("ImageMagick")) {
                throw new ConfigException(JOB + ": --mogrify '" + mogrify + "' does not report an ImageMagick version"
                        + " (it said: '" + first.trim() + "'); install it (apt-get install imagemagick), pass its path,"
                        + " or use --mogrify none");
            }
            return new Magick(mogrify, first.replaceFirst("^Version:\\s*", "").trim());
        }

        /** One timed mogrify run; CPU time comes from the shell's {@code times} for its finished children. */
        Timed mogrify(List<String> args, List<Path> inputs, Path out) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(mogrify, "-limit", "thread", "1", "-path", out.toString()));
            cmd.addAll(args);
            for (Path p : inputs) {
                cmd.add(p.toString());
            }
            List<String> sh = new ArrayList<>(List.of("sh", "-c", "\"$@\" && times", "sh"));
            sh.addAll(cmd);
            ProcessBuilder pb = new ProcessBuilder(sh).redirectErrorStream(true);
            pb.environment().put("MAGICK_THREAD_LIMIT", "1");
            pb.environment().put("OMP_NUM_THREADS", "1");
            long start = System.nanoTime();
            Process p = pb.start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = waitFor(p);
            double wall = (System.nanoTime() - start) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("mogrify failed with exit code " + code + ": " + text.trim());
            }
            long bytes = 0;
            for (Path in : inputs) {
                bytes += Files.size(out.resolve(in.getFileName()));
            }
            String display = "mogrify -limit thread 1 -path OUT " + String.join(" ", args) + " <" + inputs.size() + " files>";
            return new Timed(display, wall, childCpuSeconds(text), bytes);
        }

        /** The second line of POSIX {@code times}: user and system time of the shell's children, "1m2.5s 0m0.1s". */
        private static double childCpuSeconds(String timesOutput) {
            List<String> lines = timesOutput.lines().filter(l -> l.matches("\\s*\\d+m[\\d.]+s\\s+\\d+m[\\d.]+s\\s*")).toList();
            if (lines.size() < 2) {
                return Double.NaN;
            }
            double s = 0;
            for (String part : lines.get(lines.size() - 1).trim().split("\\s+")) {
                String[] ms = part.replace("s", "").split("m");
                s += Double.parseDouble(ms[0]) * 60 + Double.parseDouble(ms[1]);
            }
            return s;
        }
    }

    record Timed(String command, double wallS, double cpuS, long outputBytes) {
        Pass as(String workload, String tool, int images) {
            return new Pass(workload, tool, command, images, wallS, cpuS, Map.of(), outputBytes);
        }
    }

    private static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + p.info().command().orElse("a process"), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ report

    private static String method(Config c) {
        return "Inputs are generated by ImageFixtures.photoLike (smooth multi-octave value noise, hard-edged shapes,"
                + " sensor noise; about 2 bits/pixel as JPEG q90) and written as baseline 4:2:0 JPEG q90 by the JDK"
                + " (ImageNet-style, sizes 500x375, 375x500, 640x480, 500x333) and as 8-bit PNGs (Cityscapes-style"
                + " 2048x1024 RGB image + Voronoi labelIds mask). Ours: one thread, per file Files.readAllBytes,"
                + " decode, (ImageNet) Resize.shortSide(" + c.shortSide() + ") and encodeJpeg(" + c.quality()
                + ", 4:2:0) / (Cityscapes) encodePng, Files.write; JVM run with -XX:+UseSerialGC. Native: one"
                + " ImageMagick mogrify process over all files with -limit thread 1, MAGICK_THREAD_LIMIT=1,"
                + " OMP_NUM_THREADS=1; ImageNet: -resize " + c.shortSide() + "x" + c.shortSide() + "^ -quality "
                + c.quality() + " -sampling-factor 2x2,1x1,1x1 (4:2:0 like ours; ImageMagick's default at q>=90 is"
                + " 4:4:4), with its default resize filter (Lanczos) and again with -filter Triangle (the filter"
                + " ours uses); Cityscapes: plain mogrify -path OUT (re-encode at its default PNG settings). Timed:"
                + " wall clock (System.nanoTime) around our loop and around the mogrify process, including its start;"
                + " CPU: our process CPU time (all JVM threads) and mogrify's user+sys from the shell's times. Each"
                + " side: one warm-up pass, then " + c.rounds() + " timed passes alternating with the other side;"
                + " the fastest wall-clock pass is reported. ratio = our images/s / ImageMagick's images/s.";
    }

    private static Map<String, String> versions(Magick magick) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        v.put("imagemagick", magick == null ? "not run" : magick.version());
        v.put("imageio_libjpeg", mappedLibjpeg());
        return v;
    }

    /**
     * Which libjpeg ImageIO's JPEG codec runs on, read from this process's memory maps after decoding: some
     * distributions (Debian) link it to the system libjpeg (libjpeg-turbo, with SIMD), upstream builds carry
     * IJG 6b inside libjavajpeg. It matters for the figures, so it is recorded.
     */
    private static String mappedLibjpeg() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(f -> f.contains("/libjpeg"))
                    .findFirst()
                    .map(f -> {
                        try {
                            return "system library " + Path.of(f).toRealPath().getFileName()
                                    + " (not the IJG 6b copy bundled with upstream OpenJDK builds)";
                        } catch (IOException e) {
                            return "system library " + Path.of(f).getFileName();
                        }
                    })
                    .orElse("the IJG libjpeg 6b bundled in libjavajpeg (no system libjpeg mapped)");
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void report(Result r, Config config) throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("| workload | tool | images | wall s | images/s | CPU s | images/CPU-s | time split | output MB |\n");
        table.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Pass p : r.passes()) {
            table.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.1f | %.2f | %.1f | %s | %.1f |%n",
                    p.workload(), p.tool(), p.images(), p.wallS(), p.imagesPerS(), p.cpuS(), p.imagesPerCpuS(),
                    split(p), p.outputBytes() / 1e6));
        }
        StringBuilder ratios = new StringBuilder();
        for (Comparison c : r.comparisons()) {
            ratios.append(String.format(Locale.ROOT, "- %s: ours / %s = **%.2f** (wall clock), %.2f (CPU time); outputs: %s%n",
                    c.workload(), c.nativeTool(), c.ratioWall(), c.ratioCpu(), c.agreement()));
        }
        System.out.println();
        System.out.print(table);
        System.out.print(ratios);

        String md = "# Image prep per core: ours (JDK ImageIO) against ImageMagick\n\n"
                + "Generated by `submit/bench-prep.sh` on " + r.createdAt() + ": " + r.settings().images()
                + " ImageNet-style JPEGs, " + r.settings().cityPairs() + " Cityscapes-style PNG pairs, one thread per side.\n\n"
                + table + "\n" + ratios + "\n"
                + "Time split: where our single thread spent the timed pass (seconds). Output MB: bytes written;"
                + " ImageMagick writes PNG at zlib level 7 with adaptive filters by default, the JDK's PNG writer"
                + " at level 4, so part of our Cityscapes lead is bought with larger files"
                + pngSizeNote(r) + ".\n\n"
                + "## Method\n\n" + r.method() + "\n\n"
                + "## Machine\n\n"
                + "- cores: " + r.cores() + " (each side uses one)\n"
                + "- load average at start (1, 5, 15 min; runnable/total tasks): " + r.loadAverageAtStart()
                + "; values above " + r.cores() + " mean other processes competed for the cores during the run,"
                + " which affects both sides, and wall-clock more than CPU time\n"
                + "- Java: " + r.versions().get("java") + "\n"
                + "- ImageMagick: " + r.versions().get("imagemagick") + "\n"
                + "- ImageIO's JPEG codec: " + r.versions().get("imageio_libjpeg") + "\n"
                + "- OS: " + r.versions().get("os") + "\n";
        write(config.markdown(), md);
        write(config.json(), Json.pretty(r) + "\n");
    }

    private static String pngSizeNote(Result r) {
        Pass ours = null;
        Pass theirs = null;
        for (Pass p : r.passes()) {
            if (p.workload().equals("cityscapes")) {
                if (p.tool().equals("ours")) {
                    ours = p;
                } else {
                    theirs = p;
                }
            }
        }
        if (ours == null || theirs == null) {
            return "";
        }
        return String.format(Locale.ROOT, " (%.2fx ImageMagick's here)", ours.outputBytes() / (double) theirs.outputBytes());
    }

    private static String split(Pass p) {
        if (p.phaseS().isEmpty()) {
            return "—";
        }
        StringBuilder sb = new StringBuilder();
        p.phaseS().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s %.2f (%.0f%%)", k, v, 100 * v / p.wallS())));
        return sb.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
