package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageNetReportJobTest {
    private static final Path RESULTS = Path.of("../docs/results");

    @Test
    void theReportGathersTheSectionsPresentWithHeadlinesFromTheirJsonAndNamesTheCommandOfEachMissingOne(@TempDir Path tmp)
            throws Exception {
        for (String f : List.of("imagenet-rehearsal", "imagenet-memory")) {
            Files.copy(RESULTS.resolve(f + ".json"), tmp.resolve(f + ".json"));
            Files.copy(RESULTS.resolve(f + ".md"), tmp.resolve(f + ".md"));
        }
        Path out = tmp.resolve("report");
        ImageNetReportJob.run(ImageNetReportConfig.fromArgs(new String[]{"--dir", tmp.toString(), "--results", out.toString()}));

        JsonNode report = Json.mapper().readTree(Files.readString(tmp.resolve("report.json")));
        assertEquals(List.of("input", "sync", "scale"), Json.mapper().convertValue(report.get("missing"), List.class));
        JsonNode memory = Json.mapper().readTree(Files.readString(tmp.resolve("imagenet-memory.json")));
        assertEquals(memory, report.get("sections").get("memory"), "a section is its benchmark's JSON, unchanged");

        String md = Files.readString(tmp.resolve("report.md"));
        assertEquals(1, md.lines().filter(l -> l.startsWith("# ")).count(), "one title; the sections' own titles are demoted");
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "K=2 / E2E peak %.3f", memory.get("ratio_k2_to_e2e").asDouble())), md);
        assertTrue(md.contains("not run: `submit/bench-scale.sh` makes it"), md);
        String rehearsal = Files.readString(tmp.resolve("imagenet-rehearsal.md"));
        String firstTitle = rehearsal.lines().findFirst().orElseThrow();
        assertTrue(md.contains("#" + firstTitle + "\n"), "the rehearsal's page, a level down");
    }
}
