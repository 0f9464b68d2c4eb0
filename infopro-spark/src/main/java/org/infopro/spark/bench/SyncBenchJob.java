package org.infopro.spark.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.schedule.ReplicaReduction;
import org.infopro.spark.task.RoundTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The synchronisation benchmark: one round's replica average at ResNet-50 state size, Spark's reduce-scatter
 * ({@link ReplicaReduction#average}) against the old driver-side collect and average
 * ({@link ReplicaReduction#collectAverage}), in the same run on the same synthetic replica states, with a model of
 * more replicas from the measured figures. Method in {@link #METHOD}.
 */
public final class SyncBenchJob {
    static final String METHOD = "Each replica is one Spark task (one per executor, 1 core each) that makes a synthetic state: one module "
            + "of P parameters and P momentum floats (seeded per replica), as a training task's outcome. Per replica count N and "
            + "repeat, three jobs run on the same RDD, in alternating order: baseline (make the states, return only the replica "
            + "index), collect (the old path: every state collected to the driver, averaged there by ReplicaAverage.of) and "
            + "reduce (the new path: reduce-scatter over max(N, ceil(2P / 8 Mi)) pieces, driver gathers the averaged pieces). "
            + "sync seconds = median wall of the method - median wall of the baseline (so making the states and launching tasks "
            + "cancel out). Bytes: JobMeter, a SparkListener summing every task's resultSize (bytes the driver received) and its "
            + "shuffle bytes written. The two methods' averages are compared float for float (Arrays.equals on the bits). "
            + "Model for more replicas, fitted to the measured sync seconds: collect(N) = a * N + b (the driver receives, "
            + "deserialises and sums N states through one link: a = state / driver ingest rate; b = fixed costs); reduce(N) = alpha * 2(N-1)/N + beta "
            + "(every executor sends and receives 2(N-1)/N of a state in the shuffle at its own link's rate, alpha = state / "
            + "per-executor rate; beta = the driver's gather of one state plus fixed costs); least squares over the measured N "
            + "(with two measured counts, the lines through both points). Assumptions: one executor per replica, each with its own "
            + "link at the measured rate, no shared bottleneck but the driver's link, the P reduce tasks spread over the "
            + "executors so each reduces about 1/N of the state, per-task scheduling cost inside the fixed terms. On the loopback "
            + "cluster all executors and the driver share the machine's cores, so the measured rates are serialisation and copy "
            + "rates on a loaded CPU, not network bandwidth; on a real network both methods' terms scale with the link speed.";

    /** One method's measurement at one replica count. */
    public record Measured(String method, int replicas, List<Double> wallS, double medianWallS, double syncS, long driverBytes,
                           long shuffleBytes, int pieces, double afterShuffleS) {
    }

    /** The model at one replica count. */
    public record Modelled(int replicas, double collectSyncS, double reduceSyncS, double ratio, long collectDriverBytes,
                           long reduceDriverBytes) {
    }

    private SyncBenchJob() {
    }

    public static Map<String, Object> run(SyncBenchConfig c, SparkSession spark) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int params = c.params();
        long stateFloats = 2L * params;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("benchmark", SyncBenchConfig.JOB);
        doc.put("started", Instant.now().toString());
        doc.put("master", spark.sparkContext().master());
        doc.put("method", METHOD);
        doc.put("state", Map.of("params", params, "floats", stateFloats, "bytes", 4 * stateFloats));
        doc.put("load_average_before", loadAverage());
        List<Measured> measured = new ArrayList<>();
        Map<Integer, Boolean> identical = new LinkedHashMap<>();
        Map<Integer, Double> ratios = new LinkedHashMap<>();
        for (int n : c.replicas()) {
            JavaRDD<RoundTask.Outcome> rdd = jsc.parallelize(IntStream.range(0, n).boxed().toList(), n)
                    .map(r -> synthetic(r, params));
            List<Double> base = new ArrayList<>();
            List<Double> collectWall = new ArrayList<>();
            List<Double> reduceWall = new ArrayList<>();
            ReplicaReduction.Result collected = null;
            ReplicaReduction.Result reduced = null;
            for (int rep = 0; rep < c.repeats(); rep++) {
                System.gc();
                long t = System.nanoTime();
                rdd.map(RoundTask.Outcome::replica).collect();
                base.add(seconds(t));
                for (int which : rep % 2 == 0 ? new int[]{0, 1} : new int[]{1, 0}) {
                    System.gc();
                    t = System.nanoTime();
                    if (which == 0) {
                        collected = ReplicaReduction.collectAverage(rdd, n);
                        collectWall.add(seconds(t));
                    } else {
                        reduced = new ReplicaReduction().average(rdd, n, stateFloats);
                        reduceWall.add(seconds(t));
                    }
                }
                if (rep == 0) {
                    identical.put(n, bitIdentical(collected.state(), reduced.state()));
                }
            }
            double baseS = median(base);
            Measured mc = new Measured("collect", n, collectWall, median(collectWall), Math.max(0, median(collectWall) - baseS),
                    collected.figures().driverBytes(), collected.figures().shuffleWriteBytes(), 0, collected.figures().afterShuffleS());
            Measured mr = new Measured("reduce", n, reduceWall, median(reduceWall), Math.max(0, median(reduceWall) - baseS),
                    reduced.figures().driverBytes(), reduced.figures().shuffleWriteBytes(), reduced.pieces(),
                    reduced.figures().afterShuffleS());
            measured.add(new Measured("baseline", n, base, baseS, 0, 0, 0, 0, 0));
            measured.add(mc);
            measured.add(mr);
            ratios.put(n, mr.syncS() > 0 ? mc.syncS() / mr.syncS() : Double.NaN);
            collected = null;
            reduced = null;
        }
        doc.put("load_average_after", loadAverage());
        doc.put("measured", measured);
        doc.put("bit_identical", identical);
        doc.put("collect_over_reduce_sync_seconds", ratios);
        doc.put("model", model(c, measured, stateFloats));
        MemoryBenchJob.write(c.results(), doc, markdown(c, doc, measured, identical, ratios));
        return doc;
    }

    /** Replica {@code r}'s synthetic outcome: one module, {@code params} parameters and as many momentum floats. */
    static RoundTask.Outcome synthetic(int r, int params) {
        SplittableRandom rnd = new SplittableRandom(1_000_003L * (r + 1));
        float[] p = new float[params];
        float[] u = new float[params];
        for (int i = 0; i < params; i++) {
            p[i] = (rnd.nextInt() >> 8) * 0x1p-24f;
            u[i] = (rnd.nextInt() >> 8) * 0x1p-30f;
        }
        return new RoundTask.Outcome(r, List.of(new ModuleState(0, p, u, 100, 1)),
                new TaskStats(0, 0, new long[1], new double[1], 0, null, 0, org.infopro.data.shard.ImageStream.Stats.NONE));
    }

    private static boolean bitIdentical(List<ModuleState> a, List<ModuleState> b) {
        for (int m = 0; m < a.size(); m++) {
            if (!Arrays.equals(a.get(m).params(), b.get(m).params()) || !Arrays.equals(a.get(m).updater(), b.get(m).updater())) {
                return false;
            }
        }
        return a.size() == b.size();
    }

    /** The fitted model (see {@link #METHOD}) and its rows for the measured and the modelled replica counts. */
    static Map<String, Object> model(SyncBenchConfig c, List<Measured> measured, long stateFloats) {
        List<Measured> col = measured.stream().filter(m -> m.method().equals("collect")).toList();
        List<Measured> red = measured.stream().filter(m -> m.method().equals("reduce")).toList();
        double[] collect = fit(col.stream().mapToDouble(Measured::replicas).toArray(), col.stream().mapToDouble(Measured::syncS).toArray());
        double[] reduce = fit(red.stream().mapToDouble(m -> 2.0 * (m.replicas() - 1) / m.replicas()).toArray(),
                red.stream().mapToDouble(Measured::syncS).toArray());
        double a = collect[0];
        double b = collect[1];
        double alpha = reduce[0];
        double beta = reduce[1];
        double stateBytes = 4.0 * stateFloats;
        long perReplicaCollectBytes = (long) col.stream().mapToDouble(m -> (double) m.driverBytes() / m.replicas()).average().orElse(0);
        long reduceDriverBytes = (long) red.stream().mapToDouble(Measured::driverBytes).average().orElse(0);
        List<Integer> ns = new ArrayList<>(c.replicas());
        ns.addAll(c.modelled());
        List<Modelled> rows = new ArrayList<>();
        for (int n : ns) {
            double tc = a * n + b;
            double tr = alpha * 2.0 * (n - 1) / n + beta;
            rows.add(new Modelled(n, tc, tr, tr > 0 ? tc / tr : Double.NaN, perReplicaCollectBytes * n, reduceDriverBytes));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("collect_s_per_replica", a);
        m.put("collect_fixed_s", b);
        m.put("driver_ingest_bytes_per_s", a > 0 ? stateBytes / a : null);
        m.put("reduce_alpha_s", alpha);
        m.put("reduce_beta_s", beta);
        m.put("executor_shuffle_bytes_per_s", alpha > 0 ? stateBytes / alpha : null);
        m.put("rows", rows);
        return m;
    }

    /** Least-squares {slope, intercept} of y on x, the slope and the intercept kept non-negative. */
    static double[] fit(double[] xs, double[] ys) {
        double mx = Arrays.stream(xs).average().orElse(0);
        double my = Arrays.stream(ys).average().orElse(0);
        double num = 0;
        double den = 0;
        for (int i = 0; i < xs.length; i++) {
            num += (xs[i] - mx) * (ys[i] - my);
            den += (xs[i] - mx) * (xs[i] - mx);
        }
        double slope = den > 0 ? Math.max(0, num / den) : 0;
        double intercept = my - slope * mx;
        if (intercept < 0) {
            return new double[]{mx > 0 ? my / mx : 0, 0};
        }
        return new double[]{slope, intercept};
    }

    private static String markdown(SyncBenchConfig c, Map<String, Object> doc, List<Measured> measured,
                                   Map<Integer, Boolean> identical, Map<Integer, Double> ratios) {
        StringBuilder md = new StringBuilder();
        md.append("# Replica synchronisation: reduce-scatter against driver collect\n\n");
        md.append(String.format(Locale.ROOT, "`submit/bench-sync.sh`, %s, master `%s`. State per replica: %,d parameters + %,d "
                        + "momentum floats = %.1f MiB (ResNet-50 size). Load average before / after: %s / %s.%n%n",
                doc.get("started"), doc.get("master"), c.params(), c.params(), 8.0 * c.params() / (1 << 20),
                doc.get("load_average_before"), doc.get("load_average_after")));
        md.append("## Measured (median of ").append(c.repeats()).append(" rounds)\n\n");
        md.append("| replicas | method | wall s (median) | sync s | driver received MiB | shuffle written MiB | pieces | "
                + "reduce stage s |\n|---|---|---|---|---|---|---|---|\n");
        for (Measured m : measured) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %s | %.1f | %.1f | %s | %s |%n", m.replicas(), m.method(),
                    m.medianWallS(), m.method().equals("baseline") ? "–" : String.format(Locale.ROOT, "%.2f", m.syncS()),
                    m.driverBytes() / 1048576.0, m.shuffleBytes() / 1048576.0, m.pieces() > 0 ? String.valueOf(m.pieces()) : "–",
                    m.method().equals("reduce") ? String.format(Locale.ROOT, "%.2f", m.afterShuffleS()) : "–"));
        }
        md.append("\n");
        for (Map.Entry<Integer, Double> r : ratios.entrySet()) {
            md.append(String.format(Locale.ROOT, "* %d replicas: collect / reduce sync seconds = **%.2f×**; the two averages are "
                    + "%s.%n", r.getKey(), r.getValue(), identical.get(r.getKey()) ? "bit-identical" : "**NOT** bit-identical"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) doc.get("model");
        md.append(String.format(Locale.ROOT, "%n## Model%n%nFitted: collect(N) = %.3f s × N + %.3f s (driver ingest %.0f MB/s); "
                        + "reduce(N) = %.3f s × 2(N−1)/N + %.3f s (per-executor shuffle rate %s MB/s). At 16 replicas and more the "
                        + "collect would also exceed Spark's default spark.driver.maxResultSize (1 GiB) and fail.%n%n",
                (Double) model.get("collect_s_per_replica"), (Double) model.get("collect_fixed_s"), rate(model.get("driver_ingest_bytes_per_s")),
                (Double) model.get("reduce_alpha_s"), (Double) model.get("reduce_beta_s"),
                model.get("executor_shuffle_bytes_per_s") == null ? "–"
                        : String.format(Locale.ROOT, "%.0f", rate(model.get("executor_shuffle_bytes_per_s")))));
        md.append("| replicas | collect sync s | reduce sync s | ratio | driver receives, collect MiB | driver receives, reduce MiB |\n"
                + "|---|---|---|---|---|---|\n");
        @SuppressWarnings("unchecked")
        List<Modelled> rows = (List<Modelled>) model.get("rows");
        for (Modelled r : rows) {
            md.append(String.format(Locale.ROOT, "| %d%s | %.2f | %.2f | %.1f× | %.0f | %.0f |%n", r.replicas(),
                    c.modelled().contains(r.replicas()) ? " (modelled)" : " (fit)", r.collectSyncS(), r.reduceSyncS(), r.ratio(),
                    r.collectDriverBytes() / 1048576.0, r.reduceDriverBytes() / 1048576.0));
        }
        md.append("\n## Method\n\n").append(METHOD).append("\n");
        return md.toString();
    }

    private static double rate(Object bytesPerS) {
        return bytesPerS == null ? 0 : (Double) bytesPerS / 1e6;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
