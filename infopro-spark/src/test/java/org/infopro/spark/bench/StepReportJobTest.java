package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.spark.loss.LossMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepReportJobTest {
    private static final double MIB = 1048576.0;

    /** A run record with the fields the report reads, in StepBenchJob's (and step_torch.py's) schema. */
    private static Map<String, Object> record(String engine, int depth, int k, int threads, double imagesPerS, double rssMib,
                                              double engineMib, long[] params, boolean steady) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("engine", engine);
        d.put("engine_version", engine + " test");
        d.put("depth", depth);
        d.put("k", k);
        d.put("method", k == 1 ? "e2e" : "infopro-contrast");
        d.put("splits", k == 1 ? List.of() : List.of(List.of(2, 1)));
        d.put("aux_net", "1c2f");
        d.put("batch_size", 128);
        d.put("threads", threads);
        d.put("runtime_threads", threads);
        List<Map<String, Object>> modules = new ArrayList<>();
        for (long p : params) {
            modules.add(Map.of("trainable_params", p));
        }
        d.put("modules", modules);
        d.put("trainable_params", java.util.Arrays.stream(params).sum());
        d.put("warmup", Map.of("window", 3, "max", 15, "tolerance", 0.05, "steps", steady ? 7 : 15, "steady", steady));
        d.put("step_seconds", List.of(128 / imagesPerS, 128 / imagesPerS));
        d.put("median_step_s", 128 / imagesPerS);
        d.put("images_per_s", imagesPerS);
        d.put("memory", Map.of("rss_baseline_bytes", (long) (200 * MIB), "rss_peak_above_baseline_bytes", (long) (rssMib * MIB),
                "engine_peak_bytes", (long) (engineMib * MIB), "engine_accounting", engine + " accounting"));
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("MALLOC_MMAP_THRESHOLD_", "33554432");
        env.put("MALLOC_TRIM_THRESHOLD_", "17179869184");
        env.put("MALLOC_TOP_PAD_", "536870912");
        env.put("OMP_NUM_THREADS", String.valueOf(threads));
        d.put("env", env);
        d.put("started_at", "2026-12-01T00:00:00Z");
        return d;
    }

    private static final class Runs {
        final Path dir;
        final StringBuilder index = new StringBuilder(String.join("\t", StepReportJob.INDEX_HEADER) + "\n");

        Runs(Path dir) {
            this.dir = dir;
        }

        Runs add(int round, Map<String, Object> record, double loadBefore, double loadAfter) throws IOException {
            String file = record.get("engine") + "-r" + round + "-d" + record.get("depth") + "-k" + record.get("k") + "-t"
                    + record.get("threads") + ".json";
            Files.writeString(dir.resolve(file), Json.pretty(record));
            index.append(String.join("\t", String.valueOf(round), (String) record.get("engine"), String.valueOf(record.get("depth")),
                    String.valueOf(record.get("k")), String.valueOf(record.get("threads")), file, String.valueOf(loadBefore),
                    String.valueOf(loadAfter), "0")).append('\n');
            return this;
        }

        JsonNode report(Path out) throws IOException {
            Files.writeString(dir.resolve(StepReportJob.INDEX), index);
            StepReportJob.run(new StepReportConfig(dir.toString(), out.toString(), 0.5));
            return Json.mapper().readTree(Files.readString(Path.of(out + ".json")));
        }
    }

    @Test
    void theReportHasTheRatiosOursToPyTorchAndInfoProToE2e(@TempDir Path tmp) throws IOException {
        long[] e2e = {466_906};
        long[] k2 = {104_123, 409_994};
        JsonNode doc = new Runs(tmp)
                .add(1, record("dl4j", 32, 1, 1, 100, 600, 616, e2e, true), 1.0, 1.1)
                .add(1, record("pytorch", 32, 1, 1, 250, 300, 280, e2e, true), 1.1, 1.0)
                .add(1, record("dl4j", 32, 2, 1, 80, 540, 555, k2, true), 1.0, 1.0)
                .add(1, record("pytorch", 32, 2, 1, 200, 240, 210, k2, true), 1.0, 1.0)
                .add(2, record("dl4j", 32, 1, 1, 110, 620, 616, e2e, true), 1.0, 1.0)
                .add(2, record("pytorch", 32, 1, 1, 250, 300, 280, e2e, true), 1.0, 1.0)
                .report(tmp.resolve("step"));

        JsonNode rows = doc.get("rows");
        assertEquals(2, rows.size());
        JsonNode first = rows.get(0);
        assertEquals(1, first.get("k").asInt());
        assertEquals(105.0, first.get("dl4j").get("images_per_s").asDouble(), 1e-9, "median of the two rounds");
        assertEquals(2, first.get("dl4j").get("rounds").asInt());
        assertEquals(105.0 / 250, first.get("ours_to_pytorch").get("images_per_s").asDouble(), 1e-9);
        assertEquals(610.0 / 300, first.get("ours_to_pytorch").get("rss_peak_above_baseline").asDouble(), 1e-3);
        assertTrue(first.get("dl4j").path("ratio_to_e2e").isMissingNode() || first.get("dl4j").get("ratio_to_e2e").isNull());
        JsonNode second = rows.get(1);
        assertEquals(80.0 / 105, second.get("dl4j").get("ratio_to_e2e").get("images_per_s").asDouble(), 1e-9);
        assertEquals(210.0 / 280, second.get("pytorch").get("ratio_to_e2e").get("engine_peak").asDouble(), 1e-3);
        assertEquals(514_117, second.get("trainable_params").asLong());
        for (String field : List.of("created_at", "machine", "settings", "definitions", "rows", "warnings", "runs")) {
            assertTrue(doc.has(field), field);
        }
        assertEquals(0, doc.get("warnings").size(), doc.get("warnings").toString());
        String md = Files.readString(tmp.resolve("step.md"));
        assertTrue(md.contains("| ResNet-32 | 2 | 1 | 80.0 | 200.0 | 0.40 | 0.76 | 0.80 |"), md);
        assertTrue(md.contains("## Method"));
    }

    @Test
    void differentLoadAndNoSteadyStateAreWarnedAbout(@TempDir Path tmp) throws IOException {
        long[] e2e = {466_906};
        JsonNode doc = new Runs(tmp)
                .add(1, record("dl4j", 32, 1, 2, 100, 600, 616, e2e, false), 2.5, 2.9)
                .add(1, record("pytorch", 32, 1, 2, 250, 300, 280, e2e, true), 1.0, 1.2)
                .report(tmp.resolve("step"));
        String warnings = doc.get("warnings").toString();
        assertTrue(warnings.contains("different load") && warnings.contains("2.70") && warnings.contains("1.10"), warnings);
        assertTrue(warnings.contains("dl4j round 1 did not reach a steady state"), warnings);
        assertTrue(Files.readString(tmp.resolve("step.md")).contains("different load"));
    }

    @Test
    void networksOfDifferentSizeAreNotCompared(@TempDir Path tmp) throws IOException {
        Runs runs = new Runs(tmp)
                .add(1, record("dl4j", 32, 2, 1, 80, 540, 555, new long[]{104_123, 409_994}, true), 1.0, 1.0)
                .add(1, record("pytorch", 32, 2, 1, 200, 240, 210, new long[]{88_901, 409_994}, true), 1.0, 1.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runs.report(tmp.resolve("step")));
        assertTrue(e.getMessage().contains("[104123, 409994]") && e.getMessage().contains("[88901, 409994]"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("step.json")));
    }

    @Test
    void aFolderWithoutIndexIsRefusedByName(@TempDir Path tmp) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> StepReportJob.run(new StepReportConfig(tmp.toString(), tmp.resolve("step").toString(), 0.5)));
        assertTrue(e.getMessage().contains(tmp.toString()) && e.getMessage().contains("runs.tsv"), e.getMessage());
    }

    @Test
    void ourRunRecordCarriesWhatTheReportReads(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("dl4j-r1-d8-k1-t1.json");
        StepBenchJob.run(new StepBenchConfig(8, 1, "infopro", LossMode.INFOPRO_CONTRAST, 8, 1, 1, 2, 0.05, 1, file.toString()));
        JsonNode r = Json.mapper().readTree(Files.readString(file));
        assertEquals(1, r.get("step_seconds").size());
        assertTrue(r.get("images_per_s").asDouble() > 0);
        assertTrue(r.get("warmup").get("steps").asInt() >= 1 && r.get("warmup").get("steps").asInt() <= 2);
        assertEquals(StepBench.trainableParams(BenchNetworks.setup(BenchNetworks.cifar(8), List.of(), LossMode.INFOPRO_CONTRAST)
                .build().module(0).network()), r.get("modules").get(0).get("trainable_params").asLong());
        assertTrue(r.get("memory").get("rss_peak_above_baseline_bytes").asLong() > 0);
        assertTrue(r.get("memory").get("engine_peak_bytes").asLong() > 0);
        assertEquals("1", r.get("env").get("OMP_NUM_THREADS").asText(), "the test JVM's OMP_NUM_THREADS, recorded");

        Files.writeString(tmp.resolve(StepReportJob.INDEX), String.join("\t", StepReportJob.INDEX_HEADER) + "\n"
                + "1\tdl4j\t8\t1\t1\t" + file.getFileName() + "\t0.5\t0.6\t0\n");
        Map<String, Object> doc = StepReportJob.run(new StepReportConfig(tmp.toString(), tmp.resolve("step").toString(), 0.5));
        assertTrue(doc.get("warnings").toString().contains("no successful pytorch run"), doc.get("warnings").toString());
    }
}
