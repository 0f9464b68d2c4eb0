package org.infopro.spark.bench;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ChunkReader;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.EpochOrder;
import org.infopro.data.shard.HostBatch;
import org.infopro.data.shard.ImageStream;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardChunk;
import org.infopro.data.shard.ShardRow;
import org.infopro.data.shard.StreamPlan;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The ImageNet input benchmark: how many training images per second one input thread delivers through the real
 * training input ({@link ImageStream} over the shards prep wrote, with the ImageNet augmentation), against how many
 * the training step consumes, timed in the same process so that the machine's load affects both. The pipeline
 * rounds are split around the step timings (half before, half after) and alternate the thread counts.
 */
public final class InputBenchJob {

    /** One pass of the stream over the training split. */
    public record PipelineRun(int threads, int round, long images, double seconds, double imagesPerS, double imagesPerSPerThread,
                              double busySecondsPerThread, double callerWaitSeconds, int maxDecodedAlive, String loadAvg) {
    }

    /** The single-thread split of an image's cost: decoding the JPEG, and crop + flip + normalise. */
    public record CostSplit(int images, double decodeMsPerImage, double augmentMsPerImage, double meanEncodedBytes,
                            double meanPixels) {
    }

    /** One timed training step configuration. */
    public record StepRun(String arch, double width, int batch, int threads, double imagesPerS, double medianStepS,
                          double[] stepSeconds, long peakBytes, String loadAvg) {
    }

    private InputBenchJob() {
    }

    public static Map<String, Object> run(InputBenchConfig cfg) {
        Configuration conf = new Configuration();
        DatasetManifest m = DatasetManifest.read(cfg.dataset(), conf);
        List<ShardChunk> chunks = StreamPlan.of(m, cfg.dataset(), "train", 0, 1, cfg.seed()).parts().get(0);
        InputTransform transform = new InputTransform(0, 0, InputTransform.Augment.RANDOM_RESIZED_CROP, cfg.crop(), cfg.resize());
        BatchAssembler assembler = new BatchAssembler(m, transform);
        int cores = Runtime.getRuntime().availableProcessors();

        System.err.println("[bench-input] warm-up pass (JIT, page cache)");
        pass(cfg, conf, chunks, assembler, cfg.threads().get(cfg.threads().size() - 1), -1);
        CostSplit split = costSplit(chunks.get(0), conf, assembler, cfg.seed());
        System.err.printf(Locale.ROOT, "[bench-input] one thread: decode %.2f ms, crop+flip+normalise %.2f ms per image%n",
                split.decodeMsPerImage(), split.augmentMsPerImage());

        List<PipelineRun> runs = new ArrayList<>();
        int before = (cfg.rounds() + 1) / 2;
        for (int r = 0; r < before; r++) {
            rounds(cfg, conf, chunks, assembler, r, runs);
        }
        List<StepRun> steps = new ArrayList<>();
        for (double width : cfg.widths()) {
            steps.add(step(cfg, width, cores));
        }
        for (int r = before; r < cfg.rounds(); r++) {
            rounds(cfg, conf, chunks, assembler, r, runs);
        }

        Map<Integer, Double> perThreadCount = new LinkedHashMap<>();
        for (int t : cfg.threads()) {
            perThreadCount.put(t, runs.stream().filter(x -> x.threads() == t).mapToDouble(PipelineRun::imagesPerS).max().orElse(0));
        }
        double perThread1 = perThreadCount.getOrDefault(1, perThreadCount.values().iterator().next() / cfg.threads().get(0));
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (StepRun s : steps) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("arch", s.arch());
            r.put("width", s.width());
            r.put("step_images_per_s", s.imagesPerS());
            r.put("pipeline_images_per_s_one_thread", perThread1);
            r.put("ratio_pipeline_per_thread_to_step", perThread1 / s.imagesPerS());
            r.put("input_threads_to_feed_this_step", Math.ceil(s.imagesPerS() / perThread1));
            ratios.add(r);
        }
        // the scaled rate: the lowest best-per-thread over the thread counts, since threads share a core's caches and memory bus
        double perThreadScaled = perThreadCount.entrySet().stream().mapToDouble(e -> e.getValue() / e.getKey()).min().orElse(perThread1);
        List<Map<String, Object>> gpu = new ArrayList<>();
        for (int g : cfg.gpuImagesPerS()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("assumed_gpu_images_per_s", g);
            r.put("input_threads_needed_at_one_thread_rate", (int) Math.ceil(g / perThread1));
            r.put("input_threads_needed_at_scaled_rate", (int) Math.ceil(g / perThreadScaled));
            gpu.add(r);
        }

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("dataset", Path.of(cfg.dataset()).getFileName().toString());
        doc.put("train_images", m.split("train").rows());
        doc.put("train_encoded_bytes", m.split("train").bytes());
        doc.put("chunks", chunks.size());
        doc.put("transform", Map.of("augment", transform.augment().label(), "crop", cfg.crop(), "resize", cfg.resize(), "flip", true,
                "normalise", "manifest mean/std"));
        doc.put("batch_size", cfg.batch());
        doc.put("prefetch", cfg.prefetch());
        doc.put("cores", cores);
        doc.put("cost_split_one_thread", split);
        doc.put("pipeline", runs);
        doc.put("pipeline_best_images_per_s", perThreadCount);
        doc.put("steps", steps);
        doc.put("pipeline_vs_step", ratios);
        doc.put("pipeline_images_per_s_per_thread_one_thread", perThread1);
        doc.put("pipeline_images_per_s_per_thread_scaled", perThreadScaled);
        doc.put("gpu_model", gpu);
        doc.put("gpu_model_note", "GPU images/s are assumptions (--gpu-images-per-s), not measured here and not given in the paper; "
                + "threads needed = ceil(GPU images/s / one input thread's images/s here), each thread a core like these, "
                + "plus the one Parquet reader thread per task");
        doc.put("rss_peak_bytes", ProcessMemory.peakResidentBytes());
        MemoryBenchJob.write(cfg.out(), doc, markdown(cfg, m, chunks.size(), split, runs, perThreadCount, steps, perThread1,
                perThreadScaled));
        System.err.printf(Locale.ROOT, "[bench-input] wrote %s.json and %s.md%n", cfg.out(), cfg.out());
        return doc;
    }

    private static void rounds(InputBenchConfig cfg, Configuration conf, List<ShardChunk> chunks, BatchAssembler assembler, int round,
                               List<PipelineRun> runs) {
        List<Integer> order = new ArrayList<>(cfg.threads());
        if (round % 2 == 1) {
            java.util.Collections.reverse(order);
        }
        for (int t : order) {
            runs.add(pass(cfg, conf, chunks, assembler, t, round));
        }
    }

    /** One epoch of the training split through the stream, the caller taking each batch as soon as it is ready. */
    static PipelineRun pass(InputBenchConfig cfg, Configuration conf, List<ShardChunk> chunks, BatchAssembler assembler, int threads,
                            int round) {
        EpochOrder order = new EpochOrder(chunks, cfg.seed() + round + 1);
        int steps = ImageStream.steps(order.size(), cfg.batch());
        long checksum = 0;
        long t0 = System.nanoTime();
        ImageStream.Stats st;
        try (ImageStream s = new ImageStream(order, assembler, conf, new ImageStream.Settings(cfg.batch(), cfg.prefetch(), threads),
                false, step -> new Random(cfg.seed() * 1_000_003L + step), 0, steps)) {
            while (s.hasNext()) {
                HostBatch b = s.next();
                checksum += b.labels().length + Float.floatToIntBits(b.features()[0]);
            }
            st = s.stats();
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        PipelineRun r = new PipelineRun(threads, round, st.images(), sec, st.images() / sec, st.images() / sec / threads,
                st.decodeNanos() / 1e9 / threads, st.waitNanos() / 1e9, st.maxDecodedAlive(), load());
        if (round >= 0) {
            System.err.printf(Locale.ROOT, "[bench-input] round %d, %d input thread(s): %d images in %.2f s = %.1f images/s (%.1f per "
                            + "thread), load %s (checksum %d)%n", round, threads, r.images(), sec, r.imagesPerS(), r.imagesPerSPerThread(),
                    r.loadAvg(), checksum);
        }
        return r;
    }

    /** Decode the rows of one chunk on this thread, then crop, flip and normalise them: where an image's time goes. */
    private static CostSplit costSplit(ShardChunk chunk, Configuration conf, BatchAssembler assembler, long seed) {
        List<ShardRow> rows = ChunkReader.read(chunk, conf);
        long bytes = 0;
        long pixels = 0;
        List<LabeledImage> images = new ArrayList<>(rows.size());
        long t0 = System.nanoTime();
        for (ShardRow r : rows) {
            images.add(r.decode());
        }
        long t1 = System.nanoTime();
        Random rng = new Random(seed);
        for (int i = 0; i < images.size(); i += 16) {
            assembler.assembleHost(images, i, Math.min(images.size(), i + 16), rng);
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < rows.size(); i++) {
            bytes += rows.get(i).image().length;
            pixels += (long) images.get(i).height() * images.get(i).width();
        }
        int n = rows.size();
        return new CostSplit(n, (t1 - t0) / 1e6 / n, (t2 - t1) / 1e6 / n, (double) bytes / n, (double) pixels / n);
    }

    private static StepRun step(InputBenchConfig cfg, double width, int threads) {
        NativeRuntime.useThreads(threads);
        ModuleStack.Setup setup = BenchNetworks.imagenet(cfg.arch(), width, cfg.crop(), "--loss", "e2e", "--splits", "none");
        System.err.printf(Locale.ROOT, "[bench-input] %s width %s, E2E training step, batch %d at %dx%d, %d threads ...%n", cfg.arch(),
                width, cfg.stepBatch(), cfg.crop(), cfg.crop(), threads);
        StepBench.Result r = StepBench.run(setup, cfg.stepBatch(), SteadyState.fixed(cfg.stepWarmup()), cfg.stepSteps(),
                (phase, i, s) -> System.err.printf(Locale.ROOT, "[bench-input]   %s step %d: %.2f s%n", phase, i, s));
        double median = SteadyState.median(r.stepSeconds(), 0, r.stepSeconds().length);
        StepRun s = new StepRun(cfg.arch(), width, cfg.stepBatch(), threads, cfg.stepBatch() / median, median, r.stepSeconds(),
                r.peakBytes(), load());
        System.err.printf(Locale.ROOT, "[bench-input] %s width %s: %.2f images/s (median step %.2f s)%n", cfg.arch(), width,
                s.imagesPerS(), median);
        return s;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String markdown(InputBenchConfig cfg, DatasetManifest m, int chunks, CostSplit split, List<PipelineRun> runs,
                                   Map<Integer, Double> best, List<StepRun> steps, double perThread1,
                                   double perThreadScaled) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ImageNet input pipeline against the training step\n\n");
        sb.append(String.format(Locale.ROOT, "Generated by `submit/bench-input.sh` (`submit/infopro bench-input`), %s.%n%n", Instant.now()));
        sb.append("## Method\n\n");
        sb.append(String.format(Locale.ROOT, "* Input: %d training images (%.1f MB of JPEG) in %d shard chunks, an ImageNet-layout tree of "
                        + "real photographs (Debian `mate-backgrounds`: random crops resized by ImageMagick to a short side of 333-500 px, JPEG "
                        + "quality 90; mean %.0f bytes and %.0f pixels per image) sharded by `prep-imagenet` with sizes kept (`--resize 0`).%n",
                m.split("train").rows(), m.split("train").bytes() / 1e6, chunks, split.meanEncodedBytes(), split.meanPixels()));
        sb.append(String.format(Locale.ROOT, "* Pipeline: the training input itself, `ImageStream` (StreamPlan chunks, EpochOrder windows, "
                        + "one Parquet reader thread, N decode threads), batch %d, prefetch %d, `InputTransform(0, 0, RANDOM_RESIZED_CROP, %d, %d)`: "
                        + "decode, random-resized crop to %d + flip, normalise. The caller only takes the batches, so the figure is the "
                        + "pipeline's own rate. One epoch per run; a warm-up epoch first; %d rounds alternating the thread counts, half "
                        + "before and half after the step timings; best round reported.%n", cfg.batch(), cfg.prefetch(), cfg.crop(),
                cfg.resize(), cfg.crop(), cfg.rounds()));
        sb.append(String.format(Locale.ROOT, "* Step: torchvision-layout %s (`--arch %s`, `model.ImageNetResNetFamily`, built through "
                        + "`ModuleStack` as `train` builds it), E2E, batch %d at %dx%dx3, 1000 classes, synthetic values (`StepBench`), "
                        + "%d warm-up and %d timed steps, median; ND4J threads = the machine's %d cores.%n", cfg.arch(), cfg.arch(),
                cfg.stepBatch(), cfg.crop(), cfg.crop(), cfg.stepWarmup(), cfg.stepSteps(), Runtime.getRuntime().availableProcessors()));
        sb.append("* The machine is shared: the load average of every run is listed; compare the ratios, not the absolute rates.\n\n");
        sb.append("## Pipeline\n\n| round | input threads | images | s | images/s | images/s per thread | busy s per thread | caller waited s | load |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (PipelineRun r : runs) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.1f | %.1f | %.2f | %.2f | %s |%n", r.round(), r.threads(), r.images(),
                    r.seconds(), r.imagesPerS(), r.imagesPerSPerThread(), r.busySecondsPerThread(), r.callerWaitSeconds(), r.loadAvg()));
        }
        sb.append("\nBest round:");
        best.forEach((t, v) -> sb.append(String.format(Locale.ROOT, " %d thread(s) %.1f images/s (%.1f per thread);", t, v, v / t)));
        sb.append(String.format(Locale.ROOT, "%n%nOne thread, one chunk (%d images) decoded then augmented apart: decode %.2f ms, "
                        + "crop + flip + normalise %.2f ms per image.%n%n", split.images(), split.decodeMsPerImage(),
                split.augmentMsPerImage()));
        sb.append("## Training step\n\n| network | width | batch | threads | images/s | median step s | ND4J peak MiB | load |\n|---|---|---|---|---|---|---|---|\n");
        for (StepRun s : steps) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %.2f | %.0f | %s |%n", s.arch(), s.width(), s.batch(), s.threads(),
                    s.imagesPerS(), s.medianStepS(), s.peakBytes() / 1048576.0, s.loadAvg()));
        }
        sb.append("\n## Pipeline per thread against the step\n\n| network | step images/s | one input thread images/s | ratio | "
                + "input threads to feed it |\n|---|---|---|---|---|\n");
        for (StepRun s : steps) {
            sb.append(String.format(Locale.ROOT, "| %s width %s | %.2f | %.1f | %.1f | %d |%n", s.arch(), s.width(), s.imagesPerS(), perThread1,
                    perThread1 / s.imagesPerS(), (int) Math.ceil(s.imagesPerS() / perThread1)));
        }
        sb.append(String.format(Locale.ROOT, "%n## GPU-side model%n%nAssumed GPU training throughputs (not measured here; the paper gives "
                + "no images/s, only memory and relative overhead): input threads needed = ceil(GPU images/s / images/s per input "
                + "thread), each a core like these, plus one Parquet reader thread per task; at the one-thread rate (%.1f images/s) and "
                + "at the scaled rate (%.1f, the lowest best-per-thread over the thread counts measured).%n%n| assumed GPU images/s | "
                + "input threads needed, one-thread rate | input threads needed, scaled rate |%n|---|---|---|%n", perThread1, perThreadScaled));
        for (int g : cfg.gpuImagesPerS()) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d |%n", g, (int) Math.ceil(g / perThread1), (int) Math.ceil(g / perThreadScaled)));
        }
        return sb.toString();
    }
}
