package org.infopro.spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Status;
import org.infopro.spark.report.ReportCharts.Bars;
import org.infopro.spark.report.ReportCharts.Line;
import org.infopro.spark.report.ReportPage.Section;
import org.infopro.spark.report.ReportPage.Table;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run report: reads a train run folder ({@link RunRecord}) and writes one HTML page ({@link ReportPage}) with the
 * run's summary and config, and its plots ({@link ReportCharts}). The depth plot is the view of Fig. 2 of Wang et al.,
 * "Revisiting Locally Supervised Learning: an Alternative to End-to-end Training" (ICLR 2021): the accuracy of a
 * classifier on each module's output, along the network. Every section is drawn from what the run recorded; one whose
 * data is absent (a schedule that does not spill, a run killed before result.json) says so in one line instead.
 */
public final class ReportJob {

    /** What the report wrote: the page, the run's own status, and which sections had data. */
    public record Result(Status status, String run, String report, String runStatus, String configHash, List<String> plots,
                         List<String> notRecorded, long bytes) {
    }

    private ReportJob() {
    }

    public static Result run(ReportConfig c, SparkSession spark) {
        Configuration conf = spark != null ? spark.sparkContext().hadoopConfiguration() : new Configuration();
        RunRecord rec = RunRecord.read(new Path(c.run()), conf);
        List<Section> sections = sections(rec);
        String runStatus = rec.result() == null ? "not finished" : rec.result().path("status").asText();
        String configHash = rec.resultField("config_hash").asText(null);
        String title = "infopro run report: " + rec.resultField("config").path("network").asText("train run") + ", "
                + rec.resultField("schedule").asText("schedule not recorded");
        String subtitle = rec.run() + " | status " + runStatus + (configHash == null ? "" : " | " + configHash) + " | written "
                + Instant.now() + " by submit/infopro report";
        String html = ReportPage.html(title, subtitle, sections);
        Path out = new Path(c.outPath());
        Fs.writeStringAtomically(out, html, conf);
        List<String> plots = new ArrayList<>(), absent = new ArrayList<>();
        for (Section s : sections) {
            if (s.absent() != null) {
                absent.add(s.id());
            } else if (s.png() != null) {
                plots.add(s.id());
            }
        }
        return new Result(Status.OK, rec.run(), Fs.qualified(out, conf).toString(), runStatus, configHash, plots, absent,
                html.getBytes(StandardCharsets.UTF_8).length);
    }

    /** The page's sections in order; each either has its data or says why not. */
    static List<Section> sections(RunRecord r) {
        return List.of(summary(r), config(r), perEpoch(r, "loss", "Training loss per module", "train", "mean_loss", "mean local loss",
                        "Each module's mean training loss in each of its epochs (its λ-weighted local loss; the last module's is "
                                + "cross-entropy)."),
                perEpoch(r, "accuracy", "Validation accuracy per module", "validation", "accuracy", "top-1 accuracy",
                        "Top-1 accuracy of each module's auxiliary classifier on the validation images after each epoch; the last "
                                + "module's is the network's test accuracy."),
                depth(r),
                perEpoch(r, "reconstruction", "Reconstruction loss per module", "validation", "reconstruction_bce", "BCE",
                        "Validation BCE of each local module's decoder (the InfoPro I(h, x) term; weight λ1)."),
                stageThroughput(r), moduleThroughput(r), memory(r), spillOrPipeline(r), timings(r), evaluations(r));
    }

    private static Section summary(RunRecord r) {
        List<List<String>> rows = new ArrayList<>();
        JsonNode res = r.result();
        rows.add(List.of("run", r.run()));
        rows.add(List.of("status", res == null ? "not finished (no result.json: the run is still going, or was killed)"
                : res.path("status").asText()));
        if (res != null && res.hasNonNull("error")) {
            rows.add(List.of("error", res.path("error").asText()));
        }
        row(rows, "config_hash", r.resultField("config_hash"));
        row(rows, "schedule", r.resultField("schedule"));
        row(rows, "network", r.resultField("config").path("network"));
        row(rows, "modules (K)", r.resultField("config").path("modules"));
        row(rows, "test accuracy (top-1)", r.resultField("test_accuracy"));
        row(rows, "test accuracy (top-5)", r.resultField("test_top5_accuracy"));
        row(rows, "test mIoU", r.resultField("test_miou"));
        JsonNode last = r.epochs().isEmpty() ? null : r.epochs().get(r.epochs().size() - 1);
        rows.add(List.of("epoch lines in metrics.jsonl", r.epochs().size() + (last == null ? ""
                : " (last: " + last.path("stage").asText() + ", epoch " + last.path("epoch").asInt() + "/" + last.path("epochs").asInt()
                + ", progress " + pct(last.path("progress").asDouble()) + ")")));
        row(rows, "images/s end to end", r.resultField("images_per_s").path("end_to_end"));
        row(rows, "wall time (s)", r.resultField("timings_s").path("total"));
        row(rows, "rounds", r.resultField("rounds"));
        bytesRow(rows, "driver peak RSS", r.resultField("driver_peak_rss_bytes"));
        bytesRow(rows, "spill written", r.resultField("spill_bytes"));
        row(rows, "native runtime", r.resultField("native_runtime"));
        JsonNode versions = r.resultField("versions");
        if (versions.isObject()) {
            List<String> v = new ArrayList<>();
            versions.fields().forEachRemaining(e -> v.add(e.getKey() + " " + e.getValue().asText()));
            rows.add(List.of("versions", String.join(", ", v)));
        }
        return Section.tables("summary", "Summary", null, new Table(List.of("what", "value"), rows));
    }

    private static Section config(RunRecord r) {
        JsonNode config = r.resultField("config");
        if (!config.isObject()) {
            return Section.absent("config", "Configuration", "the resolved config is in result.json, which this run has not written");
        }
        List<List<String>> rows = new ArrayList<>();
        flatten("", config, rows);
        return Section.tables("config", "Configuration", "The run's resolved options as result.json records them; config_hash is "
                + "their identity (train --if-exists skip-ok and resume compare it).", new Table(List.of("option", "value"), rows));
    }

    private static void flatten(String prefix, JsonNode node, List<List<String>> rows) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                flatten(prefix + e.getKey() + ".", e.getValue(), rows);
            } else {
                rows.add(List.of(prefix + e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
            }
        }
    }

    /** Module → epoch → value of {@code field} in {@code part}'s modules, over metrics.jsonl in order (a repeated epoch: the last). */
    static Map<Integer, Map<Integer, Double>> perModule(List<JsonNode> epochs, String part, String field) {
        Map<Integer, Map<Integer, Double>> byModule = new TreeMap<>();
        for (JsonNode line : epochs) {
            for (JsonNode m : line.path(part).path("modules")) {
                if (m.path(field).isNumber() && Double.isFinite(m.path(field).asDouble())) {
                    byModule.computeIfAbsent(m.path("module").asInt(), k -> new TreeMap<>()).put(line.path("epoch").asInt(),
                            m.path(field).asDouble());
                }
            }
        }
        return byModule;
    }

    private static Section perEpoch(RunRecord r, String id, String title, String part, String field, String yTitle, String caption) {
        if (r.epochs().isEmpty()) {
            return Section.absent(id, title, "metrics.jsonl has no epoch (the run ended before its first epoch ended)");
        }
        Map<Integer, Map<Integer, Double>> byModule = perModule(r.epochs(), part, field);
        if (byModule.isEmpty()) {
            return Section.absent(id, title, switch (field) {
                case "reconstruction_bce" -> "no module was validated with a decoder (end-to-end or greedy training, or λ1 = 0 for every "
                        + "local module)";
                case "accuracy" -> "no module has a classifier head (contrastive heads record their SupCon loss instead)";
                default -> "metrics.jsonl has no " + field + " for any module";
            });
        }
        List<Line> lines = new ArrayList<>();
        byModule.forEach((m, points) -> lines.add(new Line("module " + m, ReportCharts.points(points))));
        String x = sequential(r) ? "epoch (of the module's own stage)" : "epoch";
        return Section.plot(id, title, caption, ReportCharts.lines(title, x, yTitle, lines));
    }

    private static boolean sequential(RunRecord r) {
        return r.epochs().stream().anyMatch(l -> l.path("stage").asText().startsWith("module "));
    }

    /** Fig. 2's view: each module's head accuracy at its first and its last validation, along the depth. */
    private static Section depth(RunRecord r) {
        String title = "Head accuracy along the depth";
        if (r.epochs().isEmpty()) {
            return Section.absent("depth", title, "metrics.jsonl has no epoch (the run ended before its first epoch ended)");
        }
        Map<Integer, Double> first = new TreeMap<>(), last = new TreeMap<>(), top5 = new TreeMap<>();
        for (JsonNode line : r.epochs()) {
            for (JsonNode m : line.path("validation").path("modules")) {
                int k = m.path("module").asInt();
                if (m.path("accuracy").isNumber()) {
                    first.putIfAbsent(k, m.path("accuracy").asDouble());
                    last.put(k, m.path("accuracy").asDouble());
                }
                if (m.path("top5_accuracy").isNumber()) {
                    top5.put(k, m.path("top5_accuracy").asDouble());
                }
            }
        }
        if (last.isEmpty()) {
            return Section.absent("depth", title, "no module has a classifier head (contrastive heads record their SupCon loss instead)");
        }
        List<Line> lines = new ArrayList<>(List.of(new Line("top-1, first validation", ReportCharts.points(first)),
                new Line("top-1, last validation", ReportCharts.points(last))));
        if (!top5.isEmpty()) {
            lines.add(new Line("top-5, last validation", ReportCharts.points(top5)));
        }
        List<List<String>> rows = new ArrayList<>();
        last.forEach((k, acc) -> rows.add(List.of("module " + k, fmt(first.get(k)), fmt(acc), top5.containsKey(k) ? fmt(top5.get(k)) : "")));
        return Section.plot("depth", title, "The accuracy of a classifier on each module's output, from the first module to the last "
                        + "(the network): the view of Fig. 2 in Wang et al., ICLR 2021. Local modules use their auxiliary head; the "
                        + "last module is the network's own classifier.",
                ReportCharts.lines(title, "module (head position along the depth)", "validation accuracy", lines),
                new Table(List.of("head", "top-1 first", "top-1 last", "top-5 last"), rows));
    }

    private static Section stageThroughput(RunRecord r) {
        String title = "Images/s per stage";
        JsonNode stages = r.resultField("stages");
        if (!stages.isArray() || stages.isEmpty()) {
            return Section.absent("stage-throughput", title, noResult(r, "stages"));
        }
        List<String> names = new ArrayList<>();
        List<Double> ips = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode s : stages) {
            names.add(s.path("name").asText());
            ips.add(s.path("images_per_s").asDouble());
            rows.add(List.of(s.path("name").asText(), fmt(s.path("images_per_s").asDouble()), fmt(s.path("train_s").asDouble()),
                    fmt(s.path("validation_s").asDouble()), fmt(s.path("spill_s").asDouble()), mib(s.path("spill_bytes").asLong()),
                    Long.toString(s.path("images").asLong())));
        }
        return Section.plot("stage-throughput", title, "Training images per second of wall time in each stage of the schedule "
                        + "(simultaneous: one stage; sequential: one per module; staggered: the waves).",
                ReportCharts.bars(title, "stage", "images/s", names, List.of(new Bars("images/s", ips))),
                new Table(List.of("stage", "images/s", "train s", "validation s", "spill s", "spill written", "images"), rows));
    }

    private static Section moduleThroughput(RunRecord r) {
        String title = "Images/s per module";
        JsonNode modules = r.resultField("images_per_s").path("modules");
        if (!modules.isArray() || modules.isEmpty()) {
            return Section.absent("module-throughput", title, noResult(r, "images_per_s.modules"));
        }
        List<String> names = new ArrayList<>();
        List<Double> ips = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) {
            names.add("module " + (i + 1));
            ips.add(modules.get(i).asDouble());
        }
        return Section.plot("module-throughput", title, "Images per second of the time spent in each module only (forward, "
                + "backward and update of its trunk segment and heads).", ReportCharts.bars(title, "module", "images/s", names,
                List.of(new Bars("images/s", ips))));
    }

    private static Section memory(RunRecord r) {
        String title = "Peak memory per executor";
        JsonNode executors = r.resultField("executors");
        if (!executors.isObject() || executors.isEmpty()) {
            return Section.absent("memory", title, noResult(r, "executors"));
        }
        List<String> names = new ArrayList<>();
        List<Double> nd4j = new ArrayList<>(), rss = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        boolean allRss = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = executors.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode x = e.getValue();
            names.add(e.getKey());
            nd4j.add(x.path("nd4j_peak_bytes").asDouble() / (1 << 20));
            boolean hasRss = x.path("process_peak_rss_bytes").isNumber();
            allRss &= hasRss;
            rss.add(hasRss ? x.path("process_peak_rss_bytes").asDouble() / (1 << 20) : 0.0);
            rows.add(List.of(e.getKey(), x.path("host").asText(), mib(x.path("nd4j_peak_bytes").asLong()),
                    hasRss ? mib(x.path("process_peak_rss_bytes").asLong()) : "not measured"));
        }
        List<Bars> series = new ArrayList<>(List.of(new Bars("ND4J workspace + parameters peak (MiB)", nd4j)));
        if (allRss) {
            series.add(new Bars("process peak RSS, VmHWM (MiB)", rss));
        }
        return Section.plot("memory", title, "Per executor (\"driver\" in local mode): the peak of ND4J's workspaces plus every "
                        + "module's parameters and updater state, and the process's peak resident set size.",
                ReportCharts.bars(title, "executor", "MiB", names, series),
                new Table(List.of("executor", "host", "ND4J peak", "process peak RSS"), rows));
    }

    private static Section spillOrPipeline(RunRecord r) {
        JsonNode plan = r.resultField("plan");
        JsonNode pipeline = r.resultField("pipeline");
        if (plan.isObject()) {
            List<List<String>> decision = new ArrayList<>();
            row(decision, "requested", plan.path("requested"));
            row(decision, "chosen", plan.path("chosen"));
            row(decision, "reason", plan.path("reason"));
            bytesRow(decision, "spill bytes (planned)", plan.path("spill_bytes"));
            bytesRow(decision, "peak spill bytes at once", plan.path("peak_spill_bytes"));
            bytesRow(decision, "free bytes", plan.path("free_bytes"));
            bytesRow(decision, "held bytes per task", plan.path("held_bytes_per_task"));
            row(decision, "recompute GFLOP", plan.path("recompute_gflop"));
            row(decision, "measured GFLOP/s", plan.path("measured_gflops"));
            row(decision, "measured disk MB/s", plan.path("measured_disk_mbps"));
            row(decision, "estimated spill s", plan.path("estimated_spill_s"));
            row(decision, "estimated recompute s", plan.path("estimated_recompute_s"));
            List<List<String>> stages = new ArrayList<>();
            for (JsonNode s : plan.path("stages")) {
                stages.add(List.of("module " + s.path("module").asInt(), Long.toString(s.path("train_records").asLong()),
                        Long.toString(s.path("validation_records").asLong()), mib(s.path("spill_bytes").asLong()),
                        fmt(s.path("recompute_gflop").asDouble())));
            }
            return Section.tables("plan", "Spill plan (sequential schedule)", "How module k's outputs reach module k+1: written once "
                            + "(spill) or recomputed by the frozen modules every batch, and why.",
                    new Table(List.of("what", "value"), decision),
                    new Table(List.of("hand-off after", "train records", "validation records", "spill bytes", "recompute GFLOP"), stages));
        }
        if (pipeline.isObject()) {
            List<List<String>> rows = new ArrayList<>();
            List<String> modules = new ArrayList<>();
            List<Double> busy = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = pipeline.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("module_task_s")) {
                    for (int i = 0; i < e.getValue().size(); i++) {
                        modules.add("module " + (i + 1));
                        busy.add(e.getValue().get(i).asDouble());
                    }
                } else if (e.getKey().endsWith("_bytes") || e.getKey().endsWith("_bytes_per_chunk")) {
                    rows.add(List.of(e.getKey(), mib(e.getValue().asLong())));
                } else {
                    rows.add(List.of(e.getKey(), e.getValue().isNumber() ? fmt(e.getValue().asDouble()) : e.getValue().asText()));
                }
            }
            String title = "Pipeline (staggered schedule)";
            String caption = "The modules pipelined over waves: module k trains on chunk c while module k+1 trains on chunk c-1; "
                    + "the bars are each module's task time in the waves.";
            Table table = new Table(List.of("what", "value"), rows);
            return busy.isEmpty() ? Section.tables("pipeline", title, caption, table)
                    : Section.plot("pipeline", title, caption, ReportCharts.bars(title, "module", "task seconds", modules,
                    List.of(new Bars("task seconds in the waves", busy))), table);
        }
        String schedule = r.resultField("schedule").asText("");
        return Section.absent("plan", "Spill plan or pipeline", r.result() == null ? noResult(r, "plan")
                : schedule.equals("simultaneous") || schedule.isEmpty()
                ? "the " + (schedule.isEmpty() ? "run's" : "simultaneous") + " schedule neither spills nor pipelines (a spill plan is "
                + "the sequential schedule's, a pipeline the staggered schedule's)"
                : "result.json has neither a spill plan nor a pipeline");
    }

    private static Section timings(RunRecord r) {
        JsonNode t = r.resultField("timings_s");
        if (!t.isObject() || t.isEmpty()) {
            return Section.absent("timings", "Wall time by phase", noResult(r, "timings_s"));
        }
        List<List<String>> rows = new ArrayList<>();
        t.fields().forEachRemaining(e -> rows.add(List.of(e.getKey(), fmt(e.getValue().asDouble()))));
        return Section.tables("timings", "Wall time by phase", "Seconds per phase of the driver's run (result.json timings_s).",
                new Table(List.of("phase", "seconds"), rows));
    }

    private static Section evaluations(RunRecord r) {
        if (r.evaluations().isEmpty()) {
            return Section.absent("evaluate", "Evaluations", "no " + RunRecord.EVALUATE_PREFIX + "<split>.json in the run folder "
                    + "(submit/infopro evaluate --run DIR writes one)");
        }
        List<List<String>> rows = new ArrayList<>();
        r.evaluations().forEach((split, e) -> rows.add(List.of(split, e.path("status").asText(), Long.toString(e.path("images").asLong()),
                opt(e.path("accuracy")), opt(e.path("top5_accuracy")), opt(e.path("cross_entropy")),
                e.path("segmentation").path("miou").isNumber() ? fmt(e.path("segmentation").path("miou").asDouble()) : "",
                e.path("error").asText(""))));
        return Section.tables("evaluate", "Evaluations", "The exported inference model scored by submit/infopro evaluate "
                + "(" + RunRecord.EVALUATE_PREFIX + "<split>.json in the run folder).", new Table(List.of("split", "status", "images",
                "top-1", "top-5", "cross-entropy", "mIoU", "error"), rows));
    }

    private static String noResult(RunRecord r, String field) {
        return r.result() == null ? "it is in result.json, which this run has not written (still going, or killed)"
                : "result.json has no " + field + " (status " + r.result().path("status").asText() + ")";
    }

    private static void row(List<List<String>> rows, String name, JsonNode v) {
        if (v.isNumber()) {
            rows.add(List.of(name, v.isIntegralNumber() ? v.asText() : fmt(v.asDouble())));
        } else if (v.isTextual() || v.isBoolean()) {
            rows.add(List.of(name, v.asText()));
        }
    }

    private static void bytesRow(List<List<String>> rows, String name, JsonNode v) {
        if (v.isNumber()) {
            rows.add(List.of(name, mib(v.asLong())));
        }
    }

    private static String opt(JsonNode v) {
        return v.isNumber() ? fmt(v.asDouble()) : "";
    }

    static String fmt(Double v) {
        if (v == null) {
            return "";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 1 || a == 0) {
            return String.format(Locale.ROOT, "%.3f", v).replaceAll("\\.?0+$", "");
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String pct(double x) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * x);
    }
}
