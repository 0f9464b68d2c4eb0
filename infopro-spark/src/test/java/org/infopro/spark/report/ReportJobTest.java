package org.infopro.spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report on run folders that train wrote: the fixtures under {@code report/<schedule>/} are result.json and
 * metrics.jsonl of real 2-epoch ResNet-8 K=2 runs on 200 Fashion-MNIST images, one per schedule (their paths
 * rewritten to /runs). The page is parsed back here; ReportIT opens it in a browser.
 */
class ReportJobTest {
    private static final Pattern IMG = Pattern.compile("<section id=\"([a-z-]+)\">(?:(?!</section>).)*?<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"",
            Pattern.DOTALL);
    private static final Pattern ABSENT = Pattern.compile("<section id=\"([a-z-]+)\">\\s*<h2>[^<]*</h2>\\s*<p class=\"absent\">not recorded by this run: ",
            Pattern.DOTALL);

    private static Path fixture(Path tmp, String schedule) throws IOException {
        Path run = tmp.resolve("run-" + schedule);
        Files.createDirectories(run);
        for (String f : List.of("result.json", "metrics.jsonl")) {
            try (InputStream in = ReportJobTest.class.getResourceAsStream("/report/" + schedule + "/" + f)) {
                assertNotNull(in, "fixture report/" + schedule + "/" + f);
                Files.write(run.resolve(f), in.readAllBytes());
            }
        }
        return run;
    }

    private static ReportJob.Result report(Path run) {
        return ReportJob.run(new ReportConfig(run.toString(), ""), null);
    }

    /** Section id → decoded PNG, for every plot on the page. */
    private static List<String> plotIds(String html) throws IOException {
        List<String> ids = new ArrayList<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(2))));
            assertNotNull(img, "section " + m.group(1) + ": its data URI is not a PNG");
            assertEquals(ReportCharts.WIDTH, img.getWidth(), m.group(1));
            assertEquals(ReportCharts.HEIGHT, img.getHeight(), m.group(1));
            assertTrue(colours(img) > 2, "section " + m.group(1) + ": the plot is blank");
            ids.add(m.group(1));
        }
        return ids;
    }

    private static List<String> absentIds(String html) {
        List<String> ids = new ArrayList<>();
        Matcher m = ABSENT.matcher(html);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private static long colours(BufferedImage img) {
        return Stream.iterate(0, i -> i < img.getWidth() * img.getHeight(), i -> i + 7)
                .map(i -> img.getRGB(i % img.getWidth(), i / img.getWidth())).distinct().limit(10).count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simultaneous", "sequential", "staggered"})
    void everyScheduleGetsAPlotForEachThingItRecordedAndANoteForTheRest(String schedule, @TempDir Path tmp) throws IOException {
        Path run = fixture(tmp, schedule);
        ReportJob.Result r = report(run);
        String html = Files.readString(run.resolve("report.html"));
        List<String> plots = plotIds(html);
        assertEquals(r.plots(), plots, "the result lists the plots the page has");
        assertEquals(r.notRecorded(), absentIds(html), "and the notes");
        List<String> always = List.of("loss", "accuracy", "depth", "reconstruction", "stage-throughput", "module-throughput", "memory");
        assertTrue(plots.containsAll(always), schedule + ": " + plots);
        switch (schedule) {
            case "simultaneous" -> assertTrue(r.notRecorded().contains("plan") && html.contains("the simultaneous schedule neither spills "
                    + "nor pipelines"), html);
            case "sequential" -> assertTrue(html.contains("<h2>Spill plan (sequential schedule)</h2>") && html.contains("SPILL"), html);
            case "staggered" -> assertTrue(plots.contains("pipeline") && html.contains("tasks_per_wave"), html);
            default -> throw new AssertionError(schedule);
        }
        assertTrue(r.notRecorded().contains("evaluate"), "no evaluate-<split>.json in the fixture");
        JsonNode result = Json.mapper().readTree(Files.readString(run.resolve("result.json")));
        assertEquals(result.get("config_hash").asText(), r.configHash());
        assertTrue(html.contains(result.get("config_hash").asText()) && html.contains("<td>schedule</td><td>" + schedule + "</td>"), html);
        assertFalse(html.contains("<script") || html.contains("http://") || html.contains("https://"),
                "the page is self-contained: no script, no external resource");
    }

    @Test
    void theDepthTableHoldsEachHeadsFirstAndLastValidation(@TempDir Path tmp) throws IOException {
        Path run = fixture(tmp, "sequential");
        report(run);
        String html = Files.readString(run.resolve("report.html"));
        // module 1 validated 0.16 after both its epochs; module 2 0.07 then 0.15 (top-5 0.73), as metrics.jsonl has it
        assertTrue(html.contains("<tr><td>module 1</td><td class=\"num\">0.1600</td><td class=\"num\">0.1600</td><td class=\"num\">0.5700</td></tr>"), html);
        assertTrue(html.contains("<tr><td>module 2</td><td class=\"num\">0.0700</td><td class=\"num\">0.1500</td><td class=\"num\">0.7300</td></tr>"), html);
    }

    @Test
    void aRunWithoutDecodersSaysItsReconstructionLossWasNotRecorded(@TempDir Path tmp) throws IOException {
        Path run = fixture(tmp, "simultaneous");
        StringBuilder lines = new StringBuilder();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = Json.mapper().readTree(line);
            n.path("validation").path("modules").forEach(m -> ((ObjectNode) m).remove("reconstruction_bce"));
            lines.append(Json.line(n)).append('\n');
        }
        Files.writeString(run.resolve("metrics.jsonl"), lines);
        ReportJob.Result r = report(run);
        assertTrue(r.notRecorded().contains("reconstruction"), r.toString());
        assertFalse(r.plots().contains("reconstruction"));
        assertTrue(Files.readString(run.resolve("report.html")).contains("not recorded by this run: no module was validated with a decoder"));
    }

    @Test
    void aRunKilledBeforeResultJsonIsReportedFromItsMetrics(@TempDir Path tmp) throws IOException {
        Path run = fixture(tmp, "sequential");
        Files.delete(run.resolve("result.json"));
        ReportJob.Result r = report(run);
        assertEquals("not finished", r.runStatus());
        assertEquals(List.of("loss", "accuracy", "depth", "reconstruction"), r.plots());
        assertTrue(r.notRecorded().containsAll(List.of("config", "stage-throughput", "module-throughput", "memory", "plan", "timings")),
                r.toString());
        assertEquals(r.plots(), plotIds(Files.readString(run.resolve("report.html"))));
    }

    @Test
    void aRunThatFailedBeforeItsFirstEpochShowsItsErrorAndNoPlot(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("failed");
        Files.createDirectories(run);
        Files.writeString(run.resolve("result.json"), "{\"status\":\"failed\",\"error\":\"java.lang.IllegalStateException: executor lost\","
                + "\"schedule\":\"simultaneous\",\"config\":{\"network\":\"ResNet-8\"},\"stages\":[],\"executors\":{},\"config_hash\":\"sha256:ab\"}");
        ReportJob.Result r = report(run);
        assertEquals("failed", r.runStatus());
        assertEquals(List.of(), r.plots());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<td>error</td><td>java.lang.IllegalStateException: executor lost</td>"), html);
        assertTrue(html.contains("not recorded by this run: metrics.jsonl has no epoch"), html);
        assertTrue(html.contains("not recorded by this run: result.json has no stages (status failed)"), html);
        assertFalse(html.contains("<img"), "no blank image stands in for absent data");
    }

    @Test
    void aFolderThatHoldsNoRunIsRefusedWithWhatToGive(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ConfigException e = assertThrows(ConfigException.class, () -> report(empty));
        assertTrue(e.getMessage().contains("--run " + empty.toUri().getPath().replaceAll("/$", "")) || e.getMessage().contains(empty.toString()),
                e.getMessage());
        assertTrue(e.getMessage().contains("is not a train run: it has no result.json and no epoch in metrics.jsonl"), e.getMessage());
        assertFalse(Files.exists(empty.resolve("report.html")));
        ConfigException missing = assertThrows(ConfigException.class, () -> report(tmp.resolve("none")));
        assertTrue(missing.getMessage().contains("is not a folder"), missing.getMessage());
        Files.writeString(empty.resolve("result.json"), "{\"status\": \"ok\", ");
        ConfigException cut = assertThrows(ConfigException.class, () -> report(empty));
        assertTrue(cut.getMessage().contains("result.json is not valid JSON"), cut.getMessage());
    }

    @Test
    void thePageReplacesAnOldOneAtomicallyAndGoesWhereOutSays(@TempDir Path tmp) throws IOException {
        Path run = fixture(tmp, "staggered");
        Files.writeString(run.resolve("report.html"), "old");
        report(run);
        assertTrue(Files.readString(run.resolve("report.html")).startsWith("<!DOCTYPE html>"));
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".report.html") && !n.endsWith(".crc"))
                    .toList(), "no temporary file left beside the page");
        }
        Path elsewhere = tmp.resolve("pages/staggered.html");
        ReportJob.Result r = ReportJob.run(new ReportConfig(run.toString(), elsewhere.toString()), null);
        assertTrue(Files.exists(elsewhere));
        assertTrue(r.report().endsWith("pages/staggered.html"), r.report());
    }
}
