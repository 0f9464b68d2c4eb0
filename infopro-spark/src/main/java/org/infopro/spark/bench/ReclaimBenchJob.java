package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The native-reclamation benchmark: one training run with {@code --reclaim-every 0} and one with the interval given,
 * alternated over pairs, each its own launcher process in {@code local[1]} watched from outside by {@link PhaseWatch}.
 * What it shows: how much of a training JVM's peak resident memory is native memory of dead ND4J buffers that wait for a
 * collection, and what collecting every few seconds costs in time. Method in {@link #METHOD}.
 */
public final class ReclaimBenchJob {
    static final String METHOD = "The same `train` run (CIFAR ResNet of the depth given, K=2 at the splits given, batch 128, one native "
            + "thread, seed 0) as its own `submit/infopro --master local[1]` process with the heap given, so one JVM is driver and "
            + "executor, once with --reclaim-every 0 (dead ND4J buffers are freed when the JVM collects on its own) and once with "
            + "--reclaim-every S (a full collection at most every S s from the training and validation loops), alternated off, "
            + "on, off, on, ... so that drift of the machine's speed falls on both. Peak RSS: VmHWM of the process from /proc, "
            + "sampled every 500 ms. Wall: the process from start to exit. Heap after GC and pauses: from the run's unified GC "
            + "log (-Xlog:gc), every pause counted, the System.gc() calls included. Ratios are on / off within each pair; the "
            + "medians over pairs are the headline. Both runs of a pair must reach the same test accuracy (the collections "
            + "change no arithmetic): the benchmark fails otherwise.";

    /** One run as measured. */
    public record Run(int pair, int reclaimEveryS, double wallS, Long peakRssBytes, Long heapAfterGcPeakBytes, int gcPauses,
                      double imagesPerS, double testAccuracy) {
    }

    private ReclaimBenchJob() {
    }

    public static Map<String, Object> run(ReclaimBenchConfig c) {
        List<Run> runs = new ArrayList<>();
        for (int pair = 1; pair <= c.pairs(); pair++) {
            Run off = train(c, pair, 0);
            Run on = train(c, pair, c.every());
            if (off.testAccuracy() != on.testAccuracy()) {
                throw new IllegalStateException(String.format(Locale.ROOT, "bench-reclaim: pair %d reached test accuracy %s without "
                        + "reclamation and %s with it; collections must not change training. See the logs in %s", pair,
                        off.testAccuracy(), on.testAccuracy(), c.work()));
            }
            runs.add(off);
            runs.add(on);
        }
        double[] rss = new double[c.pairs()];
        double[] wall = new double[c.pairs()];
        for (int i = 0; i < c.pairs(); i++) {
            Run off = runs.get(2 * i);
            Run on = runs.get(2 * i + 1);
            rss[i] = (double) on.peakRssBytes() / off.peakRssBytes();
            wall[i] = on.wallS() / off.wallS();
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("command", "submit/bench-reclaim.sh");
        doc.put("network", String.format(Locale.ROOT, "ResNet-%d, --splits %s, %d epoch(s)%s, heap %s", c.depth(), c.splits(),
                c.epochs(), c.limit() > 0 ? String.format(Locale.ROOT, ", --limit %,d", c.limit()) : "", c.driverMemory()));
        doc.put("dataset", c.dataset());
        doc.put("reclaim_every_s", c.every());
        doc.put("method", METHOD);
        doc.put("runs", runs);
        doc.put("peak_rss_ratio_per_pair", rss);
        doc.put("wall_ratio_per_pair", wall);
        doc.put("peak_rss_ratio_median", SteadyState.median(rss, 0, rss.length));
        doc.put("wall_ratio_median", SteadyState.median(wall, 0, wall.length));
        MemoryBenchJob.write(c.results(), doc, markdown(doc, runs));
        System.err.printf(Locale.ROOT, "[bench-reclaim] peak RSS on/off %.3f, wall on/off %.3f (medians of %d pairs)%n",
                (Double) doc.get("peak_rss_ratio_median"), (Double) doc.get("wall_ratio_median"), c.pairs());
        return doc;
    }

    private static Run train(ReclaimBenchConfig c, int pair, int every) {
        String name = String.format(Locale.ROOT, "pair%d-reclaim%d", pair, every);
        Path dir = Path.of(c.work(), name);
        List<String> cmd = List.of(c.launcher(), "--master", "local[1]", "--driver-memory", c.driverMemory(), "train",
                "--dataset", c.dataset(), "--out", dir.resolve("run").toString(), "--if-exists", "overwrite", "--depth",
                Integer.toString(c.depth()), "--splits", c.splits(), "--epochs", Integer.toString(c.epochs()), "--limit",
                Integer.toString(c.limit()), "--threads", "1", "--reclaim-every", Integer.toString(every), "--log-every", "100");
        Path log = dir.resolve("train.log");
        System.err.printf(Locale.ROOT, "[bench-reclaim] pair %d/%d, --reclaim-every %d (log %s)%n", pair, c.pairs(), every, log);
        PhaseWatch.Peaks p = PhaseWatch.run(cmd, log, dir.resolve("train.gc.log"));
        if (p.exitCode() != 0) {
            throw new IllegalStateException("bench-reclaim: " + name + " exited with " + p.exitCode() + "; see " + log);
        }
        JsonNode r = read(dir.resolve("run").resolve("result.json"));
        Run run = new Run(pair, every, p.wallS(), p.driverPeakRssBytes(), p.driverHeapAfterGcPeakBytes(), p.collections(),
                r.path("images_per_s").path("end_to_end").asDouble(), r.path("test_accuracy").asDouble());
        System.err.printf(Locale.ROOT, "[bench-reclaim]   %.0f s, peak RSS %s MiB, %d GC pauses, test accuracy %.4f%n", run.wallS(),
                mib(run.peakRssBytes()), run.gcPauses(), run.testAccuracy());
        return run;
    }

    private static JsonNode read(Path file) {
        try {
            return Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("bench-reclaim: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String markdown(Map<String, Object> doc, List<Run> runs) {
        StringBuilder md = new StringBuilder("# Native reclamation: training with and without `--reclaim-every`\n\n");
        md.append(String.format(Locale.ROOT, "%s on `%s`; reclamation every %s s; %s.%n%n", doc.get("network"), doc.get("dataset"),
                doc.get("reclaim_every_s"), doc.get("created_at")));
        md.append(String.format(Locale.ROOT, "**Peak RSS with / without: %.3f; wall time with / without: %.3f** (medians over %d "
                + "pairs; per pair: %s and %s).%n%n", (Double) doc.get("peak_rss_ratio_median"), (Double) doc.get("wall_ratio_median"),
                runs.size() / 2, fmt((double[]) doc.get("peak_rss_ratio_per_pair")), fmt((double[]) doc.get("wall_ratio_per_pair"))));
        md.append("| pair | --reclaim-every | wall s | peak RSS MiB | heap after GC, peak MiB | GC pauses | img/s | test accuracy |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            md.append(String.format(Locale.ROOT, "| %d | %d | %.0f | %s | %s | %d | %.1f | %.4f |%n", r.pair(), r.reclaimEveryS(), r.wallS(),
                    mib(r.peakRssBytes()), mib(r.heapAfterGcPeakBytes()), r.gcPauses(), r.imagesPerS(), r.testAccuracy()));
        }
        md.append("\n## Method\n\n").append(METHOD).append("\n");
        return md.toString();
    }

    private static String fmt(double[] v) {
        return Arrays.toString(Arrays.stream(v).mapToObj(x -> String.format(Locale.ROOT, "%.3f", x)).toArray());
    }

    private static String mib(Long bytes) {
        return bytes == null ? "-" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
    }
}
