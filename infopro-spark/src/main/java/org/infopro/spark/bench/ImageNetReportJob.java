package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;

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
 * The ImageNet-scale report: the benchmarks' own result files gathered into one, with a headline table read from
 * their JSON. Each benchmark keeps writing its own file (so each can be rerun alone); this only reads them.
 */
public final class ImageNetReportJob {

    /** One section: its key, the result file's base name, its title, the command that makes it, and its headline. */
    record Section(String key, String file, String title, String command, Function<JsonNode, List<String>> headline) {
    }

    static final List<Section> SECTIONS = List.of(
            new Section("rehearsal", "imagenet-rehearsal", "Real pixels through the ImageNet path (Fashion-MNIST as ILSVRC)",
                    "submit/bench-imagenet.sh", ImageNetReportJob::rehearsal),
            new Section("input", "imagenet-input", "Input pipeline at 224", "submit/bench-input.sh", ImageNetReportJob::input),
            new Section("sync", "sync", "Synchronisation at ResNet-50 state size", "submit/bench-sync.sh", ImageNetReportJob::sync),
            new Section("memory", "imagenet-memory", "Memory at 224: ResNet-101 InfoPro* K=2 against E2E",
                    "submit/infopro bench-memory-imagenet --arch resnet101 --batch-size 16 --crop 224", ImageNetReportJob::memory),
            new Section("scale", "imagenet-scale", "Scale rehearsal: 10,000 against 100,000 JPEGs", "submit/bench-scale.sh",
                    ImageNetReportJob::scale));

    private ImageNetReportJob() {
    }

    public static Map<String, Object> run(ImageNetReportConfig c) {
        Map<String, Object> sections = new LinkedHashMap<>();
        StringBuilder table = new StringBuilder("| benchmark | headline | source |\n|---|---|---|\n");
        StringBuilder body = new StringBuilder();
        List<String> missing = new ArrayList<>();
        for (Section s : SECTIONS) {
            Path json = Path.of(c.dir(), s.file() + ".json");
            Path md = Path.of(c.dir(), s.file() + ".md");
            if (!Files.exists(json) || !Files.exists(md)) {
                missing.add(s.key());
                table.append(String.format(Locale.ROOT, "| %s | not run: `%s` makes it | |%n", s.title(), s.command()));
                continue;
            }
            JsonNode doc = read(json);
            sections.put(s.key(), doc);
            table.append(String.format(Locale.ROOT, "| %s | %s | `%s.md` (`%s`) |%n", s.title(), String.join("; ", s.headline().apply(doc)),
                    s.file(), s.command()));
            body.append("\n---\n\n").append(demote(text(md)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("created_at", Instant.now().toString());
        out.put("command", "submit/infopro report-imagenet");
        out.put("missing", missing);
        out.put("sections", sections);
        String md = "# ImageNet scale: the benchmarks of train --arch resnet50|101|152\n\n"
                + "Gathered by `submit/infopro report-imagenet` on " + out.get("created_at") + " from each benchmark's own result "
                + "file (rerun one with its command, then this). Every figure below was measured by its benchmark on the machine "
                + "and date it names; this page computes nothing new.\n\n" + table + body;
        MemoryBenchJob.write(c.results(), out, md);
        return out;
    }

    private static List<String> rehearsal(JsonNode d) {
        List<String> h = new ArrayList<>();
        for (JsonNode r : d.path("rows")) {
            h.add(String.format(Locale.ROOT, "%s top-1 %.1f %% / top-5 %.1f %%, %.0f img/s", r.path("run").asText(),
                    100 * r.path("top1").asDouble(), 100 * r.path("top5").asDouble(), r.path("images_per_s").asDouble()));
        }
        return h;
    }

    private static List<String> input(JsonNode d) {
        List<String> h = new ArrayList<>();
        h.add(String.format(Locale.ROOT, "%.0f img/s per input thread (decode, random-resized crop, flip, normalise)",
                d.path("pipeline_images_per_s_per_thread_one_thread").asDouble()));
        for (JsonNode r : d.path("pipeline_vs_step")) {
            h.add(String.format(Locale.ROOT, "%.0fx the %s (width %s) CPU step's %.2f img/s", r.path("ratio_pipeline_per_thread_to_step")
                    .asDouble(), r.path("arch").asText(), r.path("width").asText(), r.path("step_images_per_s").asDouble()));
        }
        return h;
    }

    private static List<String> sync(JsonNode d) {
        List<String> h = new ArrayList<>();
        for (JsonNode r : d.path("model").path("rows")) {
            h.add(String.format(Locale.ROOT, "%d replicas: %.1f s and %.0f MiB through the driver (old collect: %.1f s, %.0f MiB)",
                    r.path("replicas").asInt(), r.path("reduce_sync_s").asDouble(), r.path("reduce_driver_bytes").asDouble() / 1048576,
                    r.path("collect_sync_s").asDouble(), r.path("collect_driver_bytes").asDouble() / 1048576));
        }
        return h;
    }

    private static List<String> memory(JsonNode d) {
        return List.of(String.format(Locale.ROOT, "K=2 / E2E peak %.3f at batch %d (paper %.2f; target ≤ %.2f %s)",
                d.path("ratio_k2_to_e2e").asDouble(), d.path("batch_size").asInt(), d.path("paper_ratio_k2_to_e2e").asDouble(),
                d.path("target_ratio").asDouble(), d.path("target_met").asBoolean() ? "met" : "not met"));
    }

    private static List<String> scale(JsonNode d) {
        JsonNode r = d.path("ratios");
        return List.of(String.format(Locale.ROOT, "100,000 / 10,000 JPEGs: train driver heap after GC %.2fx, executor live heap %.2fx, executor RSS %.2fx; "
                        + "prep driver heap %.2fx, executor RSS %.2fx; train wall %.2fx", r.path("train.driver_heap_after_gc_peak").asDouble(),
                r.path("train.executor_live_heap_peak").asDouble(), r.path("train.executor_peak_rss").asDouble(), r.path("prep-imagenet.driver_heap_after_gc_peak").asDouble(),
                r.path("prep-imagenet.executor_peak_rss").asDouble(), r.path("train.wall_s").asDouble()));
    }

    /** A section's markdown one heading level down, so the report keeps a single title. */
    static String demote(String md) {
        StringBuilder sb = new StringBuilder();
        for (String line : md.split("\n", -1)) {
            sb.append(line.startsWith("#") ? "#" + line : line).append('\n');
        }
        return sb.toString().stripTrailing() + "\n";
    }

    private static JsonNode read(Path p) {
        try {
            return Json.mapper().readTree(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException("report-imagenet: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static String text(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("report-imagenet: cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
