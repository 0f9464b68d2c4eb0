package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.rehearsal.MakeIlsvrcConfig;
import org.infopro.data.rehearsal.MakeIlsvrcJob;
import org.infopro.data.rehearsal.MakeIlsvrcResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The scale rehearsal: the ImageNet path at 10,000 and at 100,000 real JPEGs over 1,000 wnids (make-ilsvrc, then
 * prep-imagenet and as many training steps of a tiny ResNet-50 InfoPro* K=2, each a {@code submit/infopro} run of its own on the
 * cluster given), each Spark phase watched from outside by {@link PhaseWatch}. What it shows: whether the driver's
 * retained heap and the executors' peak resident memory stay flat while the dataset grows tenfold.
 */
public final class ScaleRehearsalJob {
    static final String METHOD = "Two trees of real Fashion-MNIST written by make-ilsvrc at the same --classes and JPEG size: 10,000 "
            + "JPEGs (the first 9,000 training records, the first 1,000 test records as val) and 100,000 (the first 45,000 training "
            + "records written twice, the second copy mirrored, and all 10,000 test records). Each goes through `prep-imagenet` "
            + "(JPEGs kept as they are, shards of --shard-mb, 16 MB by default) and `train --arch resnet50` at the width and crop given: one "
            + "epoch of the 100,000, ten of the 10,000, so that both runs take the same number of steps and validate the same "
            + "number of images, and only the dataset differs, InfoPro* K=2 (`infopro*-imagenet:k2`, lambda 5, 0.75), simultaneous schedule, with the replicas given, "
            + "validated on the whole val split. Every prep and train phase is its own `submit/infopro --master <master>` with "
            + "the driver and executor heaps given, so its driver is a JVM of its own and the executors are the standalone "
            + "workers' JVMs. Driver heap after GC: the highest heap in use right after a collection in the driver's unified GC "
            + "log (-Xlog:gc, MiB resolution), i.e. what the driver retains, not how lazily it collects; train's result.json "
            + "reports the same from inside the JVM (driver_heap, from GC notifications). Executor heap after GC: the same from each "
            + "executor JVM's own GC log (spark.executor.defaultJavaOptions), the highest executor shown; G1's young pauses "
            + "leave the old generation's garbage in place, so this is an upper bound of what a JVM retains. Executor live heap: every " + PhaseWatch.LIVE_EVERY_S
            + " s the watch takes two class histograms of every executor JVM (jcmd GC.class_histogram, each a full collection) "
            + PhaseWatch.DRAIN_S + " s apart and keeps the second's total, the highest sample shown; one collection overstates it, "
            + "because ND4J's deallocator map keeps a record of every buffer until a collection has found the buffer dead and its "
            + "threads have freed the native memory, which takes them seconds for a large backlog (these forced collections also "
            + "free that native memory, at both sizes alike). Training runs with the --reclaim-every given (0 = the JVM's own "
            + "collections only). RSS: VmHWM of the driver JVM and of "
            + "every executor JVM, sampled from /proc every 500 ms while the phase runs (the highest executor is shown). "
            + "Ratios are the 100,000-image run over the 10,000-image run; flat means a ratio near 1 where the data grew 10x.";

    /** One size of the rehearsal: training records, copies of each, val records, and epochs (equal steps for both sizes). */
    record Size(String label, int trainRecords, int copies, int valRecords, int epochs) {
        long images() {
            return (long) trainRecords * copies + valRecords;
        }
    }

    static final List<Size> SIZES = List.of(new Size("10k", 9_000, 1, 1_000, 10), new Size("100k", 45_000, 2, 10_000, 1));

    /** One phase of one size as measured. */
    public record Row(String size, String phase, long images, double wallS, Long driverHeapAfterGcPeakBytes, int driverCollections,
                      Long driverPeakRssBytes, Long executorHeapAfterGcPeakBytes, Long executorLiveHeapPeakBytes,
                      int executorLiveSamples, Long executorPeakRssBytes, int executors, Map<String, Object> extra) {
    }

    private ScaleRehearsalJob() {
    }

    public static Map<String, Object> run(ScaleRehearsalConfig c) {
        List<Row> rows = new ArrayList<>();
        for (Size s : SIZES) {
            Path dir = Path.of(c.work(), s.label());
            Path tree = dir.resolve("ilsvrc");
            Path dataset = dir.resolve("dataset");
            MakeIlsvrcResult made = makeTree(c, s, tree);
            rows.add(new Row(s.label(), "make-ilsvrc", made.images(), made.timingsS().getOrDefault("total", 0.0), null, 0, null, null, null, 0, null, 0,
                    Map.of("jpeg_bytes", made.jpegBytes())));
            Path prepResult = dir.resolve("prep.result.json");
            PhaseWatch.Peaks prep = phase(c, dir, "prep", List.of("prep-imagenet", "--input", tree.toString(), "--output",
                    dataset.toString(), "--if-exists", "overwrite", "--shard-mb", Double.toString(c.shardMb()), "--result", prepResult.toString()));
            JsonNode pr = read(prepResult);
            Map<String, Object> prepExtra = new LinkedHashMap<>();
            prepExtra.put("rows", pr.path("rows_per_split"));
            prepExtra.put("quarantined", pr.path("quarantined_per_split"));
            rows.add(row(s, "prep-imagenet", s.images(), prep, prepExtra));
            Path out = dir.resolve("train");
            PhaseWatch.Peaks train = phase(c, dir, "train", List.of("train", "--dataset", dataset.toString(), "--out", out.toString(),
                    "--arch", "resnet50", "--width", Double.toString(c.width()), "--crop", Integer.toString(c.crop()),
                    "--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0", "--epochs", Integer.toString(s.epochs()),
                    "--batch-size", Integer.toString(c.batchSize()), "--replicas", Integer.toString(c.replicas()),
                    "--reclaim-every", Integer.toString(c.reclaimEvery()), "--log-every", "50", "--if-exists", "overwrite"));
            JsonNode tr = read(out.resolve("result.json"));
            Map<String, Object> trainExtra = new LinkedHashMap<>();
            trainExtra.put("train_images", (long) s.trainRecords() * s.copies());
            trainExtra.put("epochs", s.epochs());
            trainExtra.put("val_images", s.valRecords());
            trainExtra.put("images_per_s", tr.path("images_per_s").path("end_to_end").asDouble());
            trainExtra.put("top1", tr.path("test_accuracy").asDouble());
            trainExtra.put("top5", tr.path("test_top5_accuracy").asDouble());
            trainExtra.put("input_images_per_s_per_thread", tr.path("input").path("images_per_second_per_thread").asDouble());
            trainExtra.put("input_wait_s", tr.path("input").path("wait_s").asDouble());
            trainExtra.put("decoded_images_held_max", tr.path("input").path("max_decoded_images").asLong());
            trainExtra.put("result_driver_heap", tr.path("driver_heap"));
            trainExtra.put("executor_nd4j_peak_bytes", max(tr.path("executors"), e -> e.path("nd4j_peak_bytes").asLong()));
            trainExtra.put("sync_driver_bytes_per_round", tr.path("sync").path("driver_bytes_per_round").asLong());
            rows.add(row(s, "train", s.images(), train, trainExtra));
            System.err.printf(Locale.ROOT, "[bench-scale] %s: prep %.0f s, train %.0f s%n", s.label(), prep.wallS(), train.wallS());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("command", "submit/bench-scale.sh");
        doc.put("master", c.master());
        doc.put("classes", c.classes());
        doc.put("jpeg_size", c.size());
        doc.put("network", String.format(Locale.ROOT, "ResNet-50 (width %s), crop %d, batch %d x %d replicas, InfoPro* K=2, the same "
                + "steps at both sizes", trim(c.width()), c.crop(), c.batchSize(), c.replicas()));
        doc.put("shard_mb", c.shardMb());
        doc.put("reclaim_every_s", c.reclaimEvery());
        doc.put("driver_memory", c.driverMemory());
        doc.put("executor_memory", c.executorMemory());
        doc.put("method", METHOD);
        doc.put("rows", rows);
        doc.put("ratios", ratios(rows));
        MemoryBenchJob.write(c.results(), doc, markdown(doc, rows));
        return doc;
    }

    private static MakeIlsvrcResult makeTree(ScaleRehearsalConfig c, Size s, Path tree) {
        return MakeIlsvrcJob.run(MakeIlsvrcConfig.fromArgs(new String[]{"--input", c.input(), "--output", tree.toString(),
                "--classes", Integer.toString(c.classes()), "--size", Integer.toString(c.size()),
                "--train-limit", Integer.toString(s.trainRecords()), "--copies", Integer.toString(s.copies()),
                "--val-limit", Integer.toString(s.valRecords()), "--if-exists", "overwrite"}));
    }

    /** One Spark phase as its own launcher run, watched; a failed phase stops the benchmark with its log named. */
    private static PhaseWatch.Peaks phase(ScaleRehearsalConfig c, Path dir, String name, List<String> job) {
        List<String> cmd = new ArrayList<>(List.of(c.launcher(), "--master", c.master(), "--driver-memory", c.driverMemory(),
                "--executor-memory", c.executorMemory(), "--conf", "spark.executor.cores=1",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0"));
        Path log = dir.resolve(name + ".log");
        Path gcLog = dir.resolve(name + ".gc.log");
        cmd.addAll(List.of("--conf", PhaseWatch.executorGcLogConf(gcLog)));
        cmd.addAll(job);
        System.err.printf(Locale.ROOT, "[bench-scale] %s: %s (log %s)%n", dir.getFileName(), String.join(" ", job), log);
        PhaseWatch.Peaks p = PhaseWatch.run(cmd, log, gcLog);
        if (p.exitCode() != 0) {
            throw new IllegalStateException("bench-scale: " + name + " of " + dir + " exited with " + p.exitCode() + "; see " + log);
        }
        return p;
    }

    private static Row row(Size s, String phase, long images, PhaseWatch.Peaks p, Map<String, Object> extra) {
        return new Row(s.label(), phase, images, p.wallS(), p.driverHeapAfterGcPeakBytes(), p.collections(), p.driverPeakRssBytes(),
                p.executorHeapAfterGcPeakBytes(), p.executorLiveHeapPeakBytes(), p.executorLiveSamples(),
                p.executorPeakRssBytes(), p.executors(), extra);
    }

    /** large / small for each measured figure of the prep and train phases. */
    static Map<String, Double> ratios(List<Row> rows) {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String phase : List.of("prep-imagenet", "train")) {
            Row small = find(rows, SIZES.get(0).label(), phase);
            Row large = find(rows, SIZES.get(1).label(), phase);
            r.put(phase + ".images", ratio((double) large.images(), (double) small.images()));
            r.put(phase + ".wall_s", ratio(large.wallS(), small.wallS()));
            r.put(phase + ".driver_heap_after_gc_peak", ratio(large.driverHeapAfterGcPeakBytes(), small.driverHeapAfterGcPeakBytes()));
            r.put(phase + ".driver_peak_rss", ratio(large.driverPeakRssBytes(), small.driverPeakRssBytes()));
            r.put(phase + ".executor_heap_after_gc_peak", ratio(large.executorHeapAfterGcPeakBytes(),
                    small.executorHeapAfterGcPeakBytes()));
            r.put(phase + ".executor_live_heap_peak", ratio(large.executorLiveHeapPeakBytes(), small.executorLiveHeapPeakBytes()));
            r.put(phase + ".executor_peak_rss", ratio(large.executorPeakRssBytes(), small.executorPeakRssBytes()));
        }
        return r;
    }

    private static Row find(List<Row> rows, String size, String phase) {
        return rows.stream().filter(x -> x.size().equals(size) && x.phase().equals(phase)).findFirst().orElseThrow();
    }

    private static Double ratio(Number a, Number b) {
        return a == null || b == null || b.doubleValue() == 0 ? null : a.doubleValue() / b.doubleValue();
    }

    private static long max(JsonNode array, Function<JsonNode, Long> f) {
        long m = 0;
        for (JsonNode e : array) {
            m = Math.max(m, f.apply(e));
        }
        return m;
    }

    private static JsonNode read(Path file) {
        try {
            return Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("bench-scale: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String markdown(Map<String, Object> doc, List<Row> rows) {
        StringBuilder md = new StringBuilder("# Scale rehearsal: 10,000 against 100,000 JPEGs through prep and training\n\n");
        md.append(String.format(Locale.ROOT, "%s classes, %d px JPEGs, prep shards of %s MB; %s; master `%s`, driver heap %s, executor "
                        + "heap %s; train --reclaim-every %s; %s.%n%n", doc.get("classes"), (Integer) doc.get("jpeg_size"),
                trim((Double) doc.get("shard_mb")), doc.get("network"), doc.get("master"), doc.get("driver_memory"),
                doc.get("executor_memory"), doc.get("reclaim_every_s"), doc.get("created_at")));
        md.append("| size | phase | images | wall s | driver heap after GC, peak MiB | driver GCs | driver RSS peak MiB | "
                + "executor heap after GC, peak MiB | executor live heap (2nd of 2 full GCs " + PhaseWatch.DRAIN_S + " s apart), peak MiB (samples) | "
                + "executor RSS peak MiB (executors) | notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.0f | %s | %s | %s | %s | %s | %s | %s |%n", r.size(), r.phase(),
                    r.images(), r.wallS(), mib(r.driverHeapAfterGcPeakBytes()),
                    r.phase().equals("make-ilsvrc") ? "" : Integer.toString(r.driverCollections()), mib(r.driverPeakRssBytes()),
                    mib(r.executorHeapAfterGcPeakBytes()), r.executorLiveHeapPeakBytes() == null ? ""
                            : mib(r.executorLiveHeapPeakBytes()) + " (" + r.executorLiveSamples() + ")",
                    r.executorPeakRssBytes() == null ? "" : mib(r.executorPeakRssBytes()) + " (" + r.executors() + ")", notes(r)));
        }
        @SuppressWarnings("unchecked")
        Map<String, Double> ratios = (Map<String, Double>) doc.get("ratios");
        md.append("\n**100,000 / 10,000** (the data grew ").append(fmt(ratios.get("train.images"))).append("x):\n\n");
        md.append("| phase | wall s | driver heap after GC | driver RSS | executor heap after GC | executor live heap | executor RSS |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (String phase : List.of("prep-imagenet", "train")) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", phase, fmt(ratios.get(phase + ".wall_s")),
                    fmt(ratios.get(phase + ".driver_heap_after_gc_peak")), fmt(ratios.get(phase + ".driver_peak_rss")),
                    fmt(ratios.get(phase + ".executor_heap_after_gc_peak")), fmt(ratios.get(phase + ".executor_live_heap_peak")),
                    fmt(ratios.get(phase + ".executor_peak_rss"))));
        }
        md.append("\n## Method\n\n").append(METHOD).append("\n");
        return md.toString();
    }

    private static String notes(Row r) {
        Map<String, Object> x = r.extra();
        if (r.phase().equals("train")) {
            JsonNode heap = (JsonNode) x.get("result_driver_heap");
            return String.format(Locale.ROOT, "%,d train + %,d val, %d epoch(s); %.0f img/s; input %.0f img/s per thread, waited %.1f s, "
                            + "≤ %d decoded images held; top-1 %.2f %%, top-5 %.2f %%; result.json driver heap after GC %s MiB; "
                            + "ND4J peak per executor %s MiB; %,d bytes to the driver per sync round",
                    (Long) x.get("train_images"), (Integer) x.get("val_images"), (Integer) x.get("epochs"), (Double) x.get("images_per_s"),
                    (Double) x.get("input_images_per_s_per_thread"), (Double) x.get("input_wait_s"),
                    (Long) x.get("decoded_images_held_max"), 100 * (Double) x.get("top1"), 100 * (Double) x.get("top5"),
                    heap.path("after_gc_peak_bytes").isNumber() ? mib(heap.path("after_gc_peak_bytes").asLong()) : "-",
                    mib((Long) x.get("executor_nd4j_peak_bytes")), (Long) x.get("sync_driver_bytes_per_round"));
        }
        if (r.phase().equals("make-ilsvrc")) {
            return String.format(Locale.ROOT, "%.1f MB of JPEGs, written in this JVM (no Spark)", ((Long) x.get("jpeg_bytes")) / 1e6);
        }
        return "rows " + x.get("rows") + ", quarantined " + x.get("quarantined");
    }

    private static String mib(Long bytes) {
        return bytes == null ? "" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String trim(double w) {
        return w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w);
    }
}
