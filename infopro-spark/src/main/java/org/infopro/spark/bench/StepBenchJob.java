package org.infopro.spark.bench;

import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * One measurement of the per-step benchmark, our side: a fresh process trains one network at one thread count
 * and writes a run record in the schema that submit/bench/step_torch.py writes for PyTorch and
 * {@link StepReportJob} reads:
 * <ul>
 *   <li>the network: depth, K, method, splits, and per module its units, shapes, λ, whether it has the decoder
 *       and the auxiliary head, and its trainable parameters (batch norm's running statistics excluded);</li>
 *   <li>the warm-up ({@link SteadyState}: steps taken, whether the rule or the maximum ended it, their times),
 *       the timed steps' times, images/s from their median and from their mean;</li>
 *   <li>memory, one definition for both engines: process RSS peak (VmHWM) minus the RSS taken in the same process
 *       after the engine is loaded (ND4J initialised, oneDNN checked, one small op run) and before the network is
 *       built; beside it ND4J's own accounting ({@link StepBench}: workspaces + parameters + updater state +
 *       hand-off + batch);</li>
 *   <li>the environment the run saw: the glibc malloc variables and OMP_NUM_THREADS.</li>
 * </ul>
 */
public final class StepBenchJob {
    /** The environment variables every run record carries, so both engines' conditions can be compared. */
    public static final List<String> ENV = List.of("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX",
            "OMP_NUM_THREADS");

    static final String ACCOUNTING = "ND4J: capacity of the training thread's workspaces after the timed steps + parameters + "
            + "updater state + the largest hand-off + the input batch (StepBench)";

    private StepBenchJob() {
    }

    public static Map<String, Object> run(StepBenchConfig cfg) {
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        ResNetSpec spec = BenchNetworks.cifar(cfg.depth());
        List<SplitPoint> splits = splits(cfg);
        ModuleStack.Setup setup = BenchNetworks.setup(spec, splits, cfg.loss());

        NativeRuntime.useThreads(cfg.threads());
        NativeRuntime.OneDnn dnn = NativeRuntime.oneDnn();
        // one small op so the native libraries are loaded and initialised before the baseline
        Nd4j.rand(DataType.FLOAT, 64, 64).mmul(Nd4j.rand(DataType.FLOAT, 64, 64)).sumNumber();
        Long baseline = ProcessMemory.residentBytes();

        String label = String.format(Locale.ROOT, "[bench-step] dl4j ResNet-%d K=%d threads=%d", cfg.depth(), cfg.k(), cfg.threads());
        System.err.println(label + ": " + dnn.describe());
        Long[] afterWarmup = new Long[1];
        StepBench.Result r = StepBench.run(setup, cfg.batch(), cfg.warmup(), cfg.steps(), (phase, step, s) -> {
            if (phase.equals("warm-up")) {
                afterWarmup[0] = ProcessMemory.residentBytes();
            }
            System.err.printf(Locale.ROOT, "%s %s step %d: %.3f s%n", label, phase, step, s);
        });
        Long peak = ProcessMemory.peakResidentBytes();
        Long end = ProcessMemory.residentBytes();

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("engine", "dl4j");
        doc.put("engine_version", "DL4J/ND4J " + version() + " (" + dnn.backend() + ", " + (dnn.active() ? "oneDNN active" : "oneDNN NOT active") + ")");
        doc.put("depth", cfg.depth());
        doc.put("k", cfg.k());
        doc.put("method", BenchNetworks.method(cfg.k(), cfg.loss()).label());
        doc.put("table", cfg.k() == 1 ? "e2e" : cfg.table());
        doc.put("splits", splits.stream().map(p -> List.of(p.stage(), p.block())).toList());
        doc.put("aux_net", BenchNetworks.AUX_NET.label());
        doc.put("batch_size", cfg.batch());
        doc.put("threads", cfg.threads());
        doc.put("runtime_threads", Nd4j.getEnvironment().maxThreads());
        doc.put("modules", modules(setup.plans(), r.trainableParams()));
        doc.put("trainable_params", Arrays.stream(r.trainableParams()).sum());
        doc.put("bn_statistics", r.bnStatistics());
        Map<String, Object> warm = new LinkedHashMap<>();
        warm.put("window", cfg.window());
        warm.put("max", cfg.warmupMax());
        warm.put("tolerance", cfg.tolerance());
        warm.put("steps", r.warmupSeconds().length);
        warm.put("steady", r.steady());
        warm.put("seconds", r.warmupSeconds());
        doc.put("warmup", warm);
        doc.put("step_seconds", r.stepSeconds());
        double median = SteadyState.median(r.stepSeconds(), 0, r.stepSeconds().length);
        doc.put("median_step_s", median);
        doc.put("images_per_s", cfg.batch() / median);
        doc.put("images_per_s_mean", r.imagesPerS());
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("rss_baseline_bytes", baseline);
        mem.put("rss_peak_bytes", peak);
        mem.put("rss_peak_above_baseline_bytes", baseline == null || peak == null ? null : peak - baseline);
        mem.put("rss_after_warmup_bytes", afterWarmup[0]);
        mem.put("rss_end_bytes", end);
        mem.put("engine_peak_bytes", r.peakBytes());
        mem.put("engine_accounting", ACCOUNTING);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("workspace_bytes", r.workspaceBytes());
        detail.put("workspace_bytes_by_name", r.workspaces());
        detail.put("parameter_bytes", r.parameterBytes());
        detail.put("updater_bytes", r.updaterBytes());
        detail.put("batch_bytes", r.batchBytes());
        detail.put("jvm_heap_committed_bytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
        mem.put("engine_detail", detail);
        doc.put("memory", mem);
        Map<String, Object> env = new LinkedHashMap<>();
        for (String v : ENV) {
            env.put(v, System.getenv(v));
        }
        doc.put("env", env);
        doc.put("pid", ProcessHandle.current().pid());
        doc.put("started_at", started);
        doc.put("wall_s", (System.nanoTime() - t0) / 1e9);
        write(Path.of(cfg.out()), doc);
        System.err.printf(Locale.ROOT, "%s: %.1f img/s (median of %d steps after %d warm-up, %s), RSS peak %.1f MiB above baseline, "
                        + "ND4J peak %.1f MiB%n", label, cfg.batch() / median, cfg.steps(), r.warmupSeconds().length,
                r.steady() ? "steady" : "NOT steady by --warmup-max", peak == null || baseline == null ? Double.NaN : (peak - baseline) / 1048576.0,
                r.peakBytes() / 1048576.0);
        return doc;
    }

    private static List<SplitPoint> splits(StepBenchConfig cfg) {
        if (cfg.k() == 1) {
            return List.of();
        }
        try {
            return ReferenceTables.splits(cfg.table(), cfg.depth(), cfg.k());
        } catch (ConfigException e) {
            throw new ConfigException(StepBenchConfig.JOB + ": invalid --k " + cfg.k() + " / --table '" + cfg.table() + "' / --depth "
                    + cfg.depth() + ": " + e.getMessage());
        }
    }

    /** Per module: units, shapes, λ, heads, trainable parameters (the fields step_torch.py compares). */
    static List<Map<String, Object>> modules(List<ModulePlan> plans, long[] trainable) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ModulePlan p : plans) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("first_unit", p.firstUnit());
            m.put("last_unit", p.lastUnit());
            m.put("input", p.inputShape());
            m.put("output", p.outputShape());
            m.put("lambda", p.isLast() ? null : List.of(p.weights().reconstruction(), p.weights().task()));
            m.put("decoder", !p.isLast() && p.weights().reconstruction() > 0);
            m.put("aux", !p.isLast() && p.weights().task() > 0);
            m.put("trainable_params", trainable[p.index()]);
            out.add(m);
        }
        return out;
    }

    /** ND4J's version from its Maven metadata on the class path. */
    static String version() {
        try (InputStream in = Nd4j.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void write(Path file, Object doc) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, Json.pretty(doc) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
