package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The per-step benchmark's report: reads the run records of both engines ({@link StepBenchJob}'s schema) through
 * the {@code runs.tsv} index submit/bench-step.sh writes (round, engine, depth, K, threads, record file, 1-minute
 * load average before and after the run, exit code), and compares per network and thread count: images/s (median
 * over the rounds of each run's median step), peak memory under the common definition (RSS above the idle
 * baseline) and each engine's own accounting, the ratios ours/PyTorch, and InfoPro/E2E within each engine. It
 * refuses to compare networks whose trainable parameter counts differ, and warns when the two sides ran under
 * different load, did not reach a steady state, or saw different malloc settings.
 */
public final class StepReportJob {
    public static final String OURS = "dl4j";
    public static final String TORCH = "pytorch";
    static final String INDEX = "runs.tsv";
    static final List<String> INDEX_HEADER = List.of("round", "engine", "depth", "k", "threads", "file", "load_before", "load_after", "exit");

    /** One line of runs.tsv with its record. */
    record Run(int round, String engine, int depth, int k, int threads, String file, double loadBefore, double loadAfter, JsonNode doc) {
        double load() {
            return (loadBefore + loadAfter) / 2;
        }

        String key() {
            return depth + "/" + k + "/" + threads;
        }
    }

    private StepReportJob() {
    }

    public static Map<String, Object> run(StepReportConfig cfg) {
        List<Run> runs = read(Path.of(cfg.runs()));
        Map<String, Map<String, List<Run>>> byConfig = new TreeMap<>(Comparator.comparing(StepReportJob::sortKey));
        for (Run r : runs) {
            byConfig.computeIfAbsent(r.key(), x -> new TreeMap<>()).computeIfAbsent(r.engine(), x -> new ArrayList<>()).add(r);
        }
        List<String> warnings = new ArrayList<>();
        checkParameters(byConfig);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, List<Run>> engines : byConfig.values()) {
            rows.add(row(engines, byConfig, cfg.loadTolerance(), warnings));
        }
        checkEnvironment(runs, warnings);

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("generated_by", "submit/bench-step.sh");
        doc.put("machine", machine());
        doc.put("settings", settings(runs));
        doc.put("definitions", definitions());
        doc.put("rows", rows);
        doc.put("warnings", warnings);
        doc.put("runs", runs.stream().map(StepReportJob::runSummary).toList());
        MemoryBenchJob.write(cfg.out(), doc, markdown(doc, rows, warnings));
        for (String w : warnings) {
            System.err.println("[bench-step] WARNING: " + w);
        }
        return doc;
    }

    private static String sortKey(String key) {
        int[] p = Arrays.stream(key.split("/")).mapToInt(Integer::parseInt).toArray();
        return String.format(Locale.ROOT, "%06d/%03d/%03d", p[0], p[2], p[1]);
    }

    static List<Run> read(Path dir) {
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            throw new ConfigException(StepReportConfig.JOB + ": invalid --runs '" + dir + "': no " + INDEX + " in it; submit/bench-step.sh "
                    + "writes one per benchmark run.");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(index);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty() || !Arrays.asList(lines.get(0).split("\t")).equals(INDEX_HEADER)) {
            throw new ConfigException(StepReportConfig.JOB + ": " + index + " does not start with the header " + String.join("\\t", INDEX_HEADER));
        }
        List<Run> runs = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split("\t");
            if (f.length != INDEX_HEADER.size()) {
                throw new ConfigException(StepReportConfig.JOB + ": " + index + " line " + (i + 1) + " has " + f.length + " fields, expected "
                        + INDEX_HEADER.size() + ": '" + lines.get(i) + "'");
            }
            if (!f[8].equals("0")) {
                continue;
            }
            Path file = dir.resolve(f[5]);
            JsonNode doc;
            try {
                doc = Json.mapper().readTree(Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read run record " + file + " (" + INDEX + " line " + (i + 1) + "): " + e.getMessage(), e);
            }
            runs.add(new Run(Integer.parseInt(f[0]), f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[5],
                    Double.parseDouble(f[6]), Double.parseDouble(f[7]), doc));
        }
        if (runs.isEmpty()) {
            throw new ConfigException(StepReportConfig.JOB + ": " + index + " lists no successful run.");
        }
        return runs;
    }

    /** The two engines must train networks of the same size, module by module. */
    private static void checkParameters(Map<String, Map<String, List<Run>>> byConfig) {
        for (Map<String, List<Run>> engines : byConfig.values()) {
            List<Run> all = engines.values().stream().flatMap(List::stream).toList();
            Run first = all.get(0);
            for (Run r : all) {
                if (!moduleParams(r).equals(moduleParams(first))) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "ResNet-%d K=%d: trainable parameters per module differ: %s "
                                    + "(%s) has %s, %s (%s) has %s; the two networks are not the same, so their speed cannot be compared.",
                            r.depth(), r.k(), first.engine(), first.file(), moduleParams(first), r.engine(), r.file(), moduleParams(r)));
                }
            }
        }
    }

    private static List<Long> moduleParams(Run r) {
        List<Long> out = new ArrayList<>();
        r.doc().path("modules").forEach(m -> out.add(m.path("trainable_params").asLong()));
        return out;
    }

    private static Map<String, Object> row(Map<String, List<Run>> engines, Map<String, Map<String, List<Run>>> byConfig, double loadTolerance,
                                           List<String> warnings) {
        Run any = engines.values().iterator().next().get(0);
        String name = String.format(Locale.ROOT, "ResNet-%d K=%d, %d thread%s", any.depth(), any.k(), any.threads(), any.threads() == 1 ? "" : "s");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("depth", any.depth());
        row.put("k", any.k());
        row.put("method", any.doc().path("method").asText());
        row.put("splits", Json.mapper().convertValue(any.doc().path("splits"), Object.class));
        row.put("threads", any.threads());
        row.put("trainable_params", any.doc().path("trainable_params").asLong());
        Map<String, List<Run>> e2e = byConfig.get(any.depth() + "/1/" + any.threads());
        Map<String, Map<String, Object>> blocks = new LinkedHashMap<>();
        for (String engine : List.of(OURS, TORCH)) {
            List<Run> rs = engines.get(engine);
            if (rs == null) {
                warnings.add(name + ": no successful " + engine + " run, so no comparison.");
                row.put(engine, null);
                continue;
            }
            Map<String, Object> b = engineBlock(rs, any.k() == 1 || e2e == null ? null : e2e.get(engine));
            blocks.put(engine, b);
            row.put(engine, b);
            for (Run r : rs) {
                if (!r.doc().path("warmup").path("steady").asBoolean()) {
                    warnings.add(String.format(Locale.ROOT, "%s: %s round %d did not reach a steady state within %d warm-up steps.", name,
                            engine, r.round(), r.doc().path("warmup").path("max").asInt()));
                }
            }
        }
        if (blocks.size() == 2) {
            Map<String, Object> ours = blocks.get(OURS);
            Map<String, Object> torch = blocks.get(TORCH);
            Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("images_per_s", div(ours.get("images_per_s"), torch.get("images_per_s")));
            ratio.put("rss_peak_above_baseline", div(ours.get("rss_peak_above_baseline_bytes"), torch.get("rss_peak_above_baseline_bytes")));
            ratio.put("engine_peak", div(ours.get("engine_peak_bytes"), torch.get("engine_peak_bytes")));
            row.put("ours_to_pytorch", ratio);
            double lo = (double) ours.get("load_mean");
            double lt = (double) torch.get("load_mean");
            row.put("load_difference", lo - lt);
            if (Math.abs(lo - lt) > loadTolerance) {
                warnings.add(String.format(Locale.ROOT, "%s: the two sides ran under different load (1-minute load average %.2f for ours, "
                        + "%.2f for PyTorch, more than %.2f apart); their speed ratio is less trustworthy.", name, lo, lt, loadTolerance));
            }
        } else {
            row.put("ours_to_pytorch", null);
        }
        return row;
    }

    private static Map<String, Object> engineBlock(List<Run> rs, List<Run> e2e) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("version", rs.get(0).doc().path("engine_version").asText());
        b.put("rounds", rs.size());
        b.put("images_per_s", median(rs, r -> r.doc().path("images_per_s").asDouble()));
        b.put("images_per_s_runs", rs.stream().map(r -> r.doc().path("images_per_s").asDouble()).toList());
        b.put("median_step_s", median(rs, r -> r.doc().path("median_step_s").asDouble()));
        b.put("rss_peak_above_baseline_bytes", (long) median(rs, r -> r.doc().path("memory").path("rss_peak_above_baseline_bytes").asDouble()));
        b.put("rss_baseline_bytes", (long) median(rs, r -> r.doc().path("memory").path("rss_baseline_bytes").asDouble()));
        b.put("engine_peak_bytes", (long) median(rs, r -> r.doc().path("memory").path("engine_peak_bytes").asDouble()));
        b.put("engine_accounting", rs.get(0).doc().path("memory").path("engine_accounting").asText());
        b.put("warmup_steps", rs.stream().map(r -> r.doc().path("warmup").path("steps").asInt()).toList());
        b.put("steady", rs.stream().allMatch(r -> r.doc().path("warmup").path("steady").asBoolean()));
        b.put("load_mean", rs.stream().mapToDouble(Run::load).average().orElse(Double.NaN));
        if (e2e != null) {
            Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("images_per_s", median(rs, r -> r.doc().path("images_per_s").asDouble())
                    / median(e2e, r -> r.doc().path("images_per_s").asDouble()));
            ratio.put("rss_peak_above_baseline", median(rs, r -> r.doc().path("memory").path("rss_peak_above_baseline_bytes").asDouble())
                    / median(e2e, r -> r.doc().path("memory").path("rss_peak_above_baseline_bytes").asDouble()));
            ratio.put("engine_peak", median(rs, r -> r.doc().path("memory").path("engine_peak_bytes").asDouble())
                    / median(e2e, r -> r.doc().path("memory").path("engine_peak_bytes").asDouble()));
            b.put("ratio_to_e2e", ratio);
        } else {
            b.put("ratio_to_e2e", null);
        }
        return b;
    }

    private static Double div(Object a, Object b) {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        return y == 0 ? null : x / y;
    }

    static double median(List<Run> rs, ToDoubleFunction<Run> f) {
        double[] v = rs.stream().mapToDouble(f).toArray();
        return SteadyState.median(v, 0, v.length);
    }

    /** Both engines must have run under the same malloc settings; each run's OMP_NUM_THREADS must be its thread count. */
    private static void checkEnvironment(List<Run> runs, List<String> warnings) {
        Map<String, String> malloc = null;
        Run ref = null;
        for (Run r : runs) {
            Map<String, String> m = new TreeMap<>();
            for (String v : StepBenchJob.ENV) {
                if (v.startsWith("MALLOC")) {
                    m.put(v, r.doc().path("env").path(v).asText(null));
                }
            }
            if (malloc == null) {
                malloc = m;
                ref = r;
            } else if (!malloc.equals(m)) {
                warnings.add("malloc settings differ: " + ref.file() + " ran with " + malloc + ", " + r.file() + " with " + m + ".");
            }
            String omp = r.doc().path("env").path("OMP_NUM_THREADS").asText(null);
            if (!String.valueOf(r.threads()).equals(omp) || r.doc().path("runtime_threads").asInt() != r.threads()) {
                warnings.add(r.file() + ": asked for " + r.threads() + " threads but ran with OMP_NUM_THREADS=" + omp + " and "
                        + r.doc().path("runtime_threads").asInt() + " engine threads.");
            }
        }
    }

    private static Map<String, Object> runSummary(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", r.round());
        m.put("engine", r.engine());
        m.put("depth", r.depth());
        m.put("k", r.k());
        m.put("threads", r.threads());
        m.put("file", r.file());
        m.put("load_before", r.loadBefore());
        m.put("load_after", r.loadAfter());
        m.put("images_per_s", r.doc().path("images_per_s").asDouble());
        m.put("warmup_steps", r.doc().path("warmup").path("steps").asInt());
        m.put("steady", r.doc().path("warmup").path("steady").asBoolean());
        m.put("step_seconds", Json.mapper().convertValue(r.doc().path("step_seconds"), Object.class));
        m.put("rss_peak_above_baseline_bytes", r.doc().path("memory").path("rss_peak_above_baseline_bytes").asLong());
        m.put("engine_peak_bytes", r.doc().path("memory").path("engine_peak_bytes").asLong());
        m.put("started_at", r.doc().path("started_at").asText());
        return m;
    }

    private static Map<String, Object> settings(List<Run> runs) {
        JsonNode d = runs.get(0).doc();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("batch_size", d.path("batch_size").asInt());
        s.put("input", "32x32x3, 10 classes, one synthetic batch (values do not change speed or memory)");
        s.put("infopro_loss", runs.stream().filter(r -> r.k() > 1).map(r -> r.doc().path("method").asText()).findFirst().orElse(null));
        s.put("aux_net", d.path("aux_net").asText());
        s.put("optimizer", "SGD, Nesterov momentum 0.9, lr 0.1, weight decay 1e-4 on every parameter");
        s.put("warmup_window", d.path("warmup").path("window").asInt());
        s.put("warmup_tolerance", d.path("warmup").path("tolerance").asDouble());
        Map<String, Object> steps = new TreeMap<>();
        Map<String, Object> maxWarm = new TreeMap<>();
        for (Run r : runs) {
            steps.put("ResNet-" + r.depth(), r.doc().path("step_seconds").size());
            maxWarm.put("ResNet-" + r.depth(), r.doc().path("warmup").path("max").asInt());
        }
        s.put("timed_steps", steps);
        s.put("warmup_max", maxWarm);
        s.put("rounds", runs.stream().mapToInt(Run::round).max().orElse(0));
        Map<String, Object> env = new LinkedHashMap<>();
        for (String v : StepBenchJob.ENV) {
            if (v.startsWith("MALLOC")) {
                env.put(v, d.path("env").path(v).asText(null));
            }
        }
        s.put("malloc_env", env);
        s.put("versions", runs.stream().map(r -> r.engine() + ": " + r.doc().path("engine_version").asText()).distinct().sorted().toList());
        return s;
    }

    private static Map<String, Object> definitions() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("images_per_s", "batch size / median step time of a run's timed steps; a configuration's figure is the median over its rounds");
        d.put("rss_peak_above_baseline", "VmHWM (peak resident set) of the run's process at the end of the timed steps minus its VmRSS taken in "
                + "the same process after the engine was loaded (libraries initialised, one small op run) and before the network was built; "
                + "the same definition for both engines. It includes everything the process touched for training: tensors, allocator caches "
                + "(glibc keeps freed memory with the malloc settings used), and for the JVM its heap growth, JIT code and class metadata");
        d.put("engine_peak", "each engine's own accounting, not comparable one to one: ours = ND4J workspace capacities after the timed steps "
                + "+ parameters + updater state + largest hand-off + input batch; PyTorch = bytes live at the start of a step (parameters, "
                + "momentum buffers, batch) + the peak of c10 CPU allocations during one profiled step after the timed ones "
                + "(torch.profiler memory events)");
        d.put("warmup", "steps until the median step time of the last window stopped falling by more than the tolerance against the "
                + "window before it (or the maximum); the same rule on both sides");
        d.put("load", "1-minute load average (/proc/loadavg) before and after each run, averaged per engine and configuration");
        return d;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    m.put("memory_bytes", Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            m.putIfAbsent("cpu", "unknown");
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> doc, List<Map<String, Object>> rows, List<String> warnings) {
        Map<String, Object> s = (Map<String, Object>) doc.get("settings");
        Map<String, Object> machine = (Map<String, Object>) doc.get("machine");
        Map<String, Object> defs = (Map<String, Object>) doc.get("definitions");
        StringBuilder sb = new StringBuilder();
        sb.append("# Training step: our DL4J against PyTorch\n\n");
        sb.append(String.format(Locale.ROOT, "Generated by `submit/bench-step.sh` on %s (%s cores, %s). Batch %s, %s; InfoPro with the "
                        + "reference's split tables (`infopro`), %s loss, %s heads, shipped CIFAR-10 λ; %s. Versions: %s.%n%n",
                doc.get("created_at"), machine.get("cores"), machine.get("cpu"), s.get("batch_size"), s.get("input"), s.get("infopro_loss"),
                s.get("aux_net"), s.get("optimizer"), String.join("; ", (List<String>) s.get("versions"))));
        sb.append("## Speed (images/s)\n\n");
        sb.append("| network | K | threads | ours | PyTorch | ours/PyTorch | ours InfoPro/E2E | PyTorch InfoPro/E2E | warm-up steps ours; PyTorch | load ours; PyTorch |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            Map<String, Object> o = (Map<String, Object>) r.get(OURS);
            Map<String, Object> t = (Map<String, Object>) r.get(TORCH);
            Map<String, Object> q = (Map<String, Object>) r.get("ours_to_pytorch");
            sb.append(String.format(Locale.ROOT, "| ResNet-%s | %s | %s | %s | %s | %s | %s | %s | %s; %s | %s; %s |%n", r.get("depth"), r.get("k"),
                    r.get("threads"), num(o, "images_per_s", 1), num(t, "images_per_s", 1), ratio(q, "images_per_s"), e2eRatio(o, "images_per_s"),
                    e2eRatio(t, "images_per_s"), o == null ? "—" : o.get("warmup_steps"), t == null ? "—" : t.get("warmup_steps"),
                    num(o, "load_mean", 2), num(t, "load_mean", 2)));
        }
        sb.append("\n## Peak step memory (MiB)\n\n");
        sb.append("| network | K | threads | RSS above baseline: ours | PyTorch | ours/PyTorch | InfoPro/E2E ours; PyTorch | own accounting: ours (ND4J) | PyTorch (allocator) | ours/PyTorch | InfoPro/E2E ours; PyTorch |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            Map<String, Object> o = (Map<String, Object>) r.get(OURS);
            Map<String, Object> t = (Map<String, Object>) r.get(TORCH);
            Map<String, Object> q = (Map<String, Object>) r.get("ours_to_pytorch");
            sb.append(String.format(Locale.ROOT, "| ResNet-%s | %s | %s | %s | %s | %s | %s; %s | %s | %s | %s | %s; %s |%n", r.get("depth"), r.get("k"),
                    r.get("threads"), mib(o, "rss_peak_above_baseline_bytes"), mib(t, "rss_peak_above_baseline_bytes"), ratio(q, "rss_peak_above_baseline"),
                    e2eRatio(o, "rss_peak_above_baseline"), e2eRatio(t, "rss_peak_above_baseline"), mib(o, "engine_peak_bytes"),
                    mib(t, "engine_peak_bytes"), ratio(q, "engine_peak"), e2eRatio(o, "engine_peak"), e2eRatio(t, "engine_peak")));
        }
        sb.append("\nTrainable parameters (equal on both sides, checked per module): ");
        sb.append(String.join(", ", rows.stream().map(r -> "ResNet-" + r.get("depth") + " K=" + r.get("k") + " " + r.get("trainable_params"))
                .distinct().toList())).append(".\n\n");
        sb.append("## Warnings\n\n");
        if (warnings.isEmpty()) {
            sb.append("None.\n\n");
        } else {
            warnings.forEach(w -> sb.append("- ").append(w).append('\n'));
            sb.append('\n');
        }
        sb.append("## Method\n\n");
        sb.append("- Both engines train the same networks: CIFAR ResNet (conv without bias, batch norm eps 1e-5 momentum 0.1, 1x1 "
                + "conv + BN projection shortcuts where the shape changes), E2E or InfoPro modules whose inputs are detached outputs of "
                + "the module before; a local module has the decoder (bilinear upsample with align_corners to 32x32, conv3x3 C→12 with "
                + "bias, BN, ReLU, conv3x3 12→3 with bias, sigmoid, BCE) when λ1 > 0 and the 1c2f auxiliary head when λ2 > 0; each "
                + "module is updated right after its own backward pass. The PyTorch side is `submit/bench/step_torch.py`, which "
                + "builds its modules from the same split and λ tables and refuses to run when its parameter count differs from ours.\n");
        sb.append(String.format(Locale.ROOT, "- Every run is a fresh process; the two engines alternate (ours, PyTorch, ours, PyTorch, …) "
                        + "over %s round(s). Timed steps per run: %s; warm-up at most %s steps, window %s, tolerance %s.%n",
                s.get("rounds"), s.get("timed_steps"), s.get("warmup_max"), s.get("warmup_window"), s.get("warmup_tolerance")));
        sb.append("- Same conditions: glibc malloc settings ").append(s.get("malloc_env")).append(" for both, recorded by each run; "
                + "threads through OMP_NUM_THREADS and the engine's own setting (ND4J max threads; torch.set_num_threads).\n");
        for (Map.Entry<String, Object> e : defs.entrySet()) {
            sb.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append(".\n");
        }
        return sb.toString();
    }

    private static String num(Map<String, Object> b, String field, int digits) {
        if (b == null || b.get(field) == null) {
            return "—";
        }
        return String.format(Locale.ROOT, "%." + digits + "f", ((Number) b.get(field)).doubleValue());
    }

    private static String mib(Map<String, Object> b, String field) {
        if (b == null || b.get(field) == null) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.1f", ((Number) b.get(field)).doubleValue() / 1048576.0);
    }

    private static String ratio(Map<String, Object> q, String field) {
        return q == null || q.get(field) == null ? "—" : String.format(Locale.ROOT, "%.2f", ((Number) q.get(field)).doubleValue());
    }

    @SuppressWarnings("unchecked")
    private static String e2eRatio(Map<String, Object> b, String field) {
        if (b == null || b.get("ratio_to_e2e") == null) {
            return "—";
        }
        return ratio((Map<String, Object>) b.get("ratio_to_e2e"), field);
    }
}
