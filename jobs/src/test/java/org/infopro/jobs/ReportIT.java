package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report of a real run, as a person gets it: prep-idx, a staggered ResNet-8 K=2 train (the schedule with the most
 * plots: its pipeline has one) and report, each through submit/infopro with the jobs jar, and the page opened in
 * Debian's headless Chromium. Skipped, with the reason, where /usr/bin/chromium is missing (.ci/run installs it).
 */
class ReportIT {
    @TempDir
    static Path tmp;
    private static Path run;
    private static Launch.Result report;

    @BeforeAll
    static void trainAndReport() throws Exception {
        Path idx = tmp.resolve("idx");
        IdxFixtures.writeDataset(idx, 300, 100, 10, true, 21);
        Path ds = tmp.resolve("ds");
        Launch.Result prep = Launch.infopro(tmp.resolve("prep.log"), "--master", "local[2]", "prep-idx", "--input", idx.toString(),
                "--output", ds.toString(), "--shards", "2");
        assertEquals(0, prep.code(), prep.output());
        run = tmp.resolve("run");
        Launch.Result train = Launch.infopro(tmp.resolve("train.log"), "--master", "local[2]", "train", "--dataset", ds.toString(),
                "--out", run.toString(), "--schedule", "staggered", "--depth", "8", "--splits", "2,0", "--epochs", "2",
                "--batch-size", "50", "--limit", "200", "--val-limit", "100");
        assertEquals(0, train.code(), train.output());
        report = Launch.infopro(tmp.resolve("report.log"), "--master", "local[1]", "report", "--run", run.toString());
    }

    @Test
    void aRealStaggeredRunsReportHasAPlotForEverythingItRecorded() throws Exception {
        assertEquals(0, report.code(), report.output());
        assertTrue(report.output().contains("infopro report: ok"), report.output());
        JsonNode printed = Json.mapper().readTree(report.output().substring(report.output().indexOf("{\n")));
        assertEquals(List.of("loss", "accuracy", "depth", "reconstruction", "stage-throughput", "module-throughput", "memory", "pipeline"),
                Json.mapper().convertValue(printed.get("plots"), List.class));
        assertEquals("ok", printed.get("run_status").asText());
        String html = Files.readString(run.resolve("report.html"));
        JsonNode result = Json.mapper().readTree(Files.readString(run.resolve("result.json")));
        assertTrue(html.contains(result.get("config_hash").asText()), "the summary names the config hash");
        assertEquals(8, html.split("<img ", -1).length - 1, "one <img> per plot");
    }

    @Test
    void theReportOpensInHeadlessChromiumWithEveryImageDecodedNonBlankAndNoConsoleMessage() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), "no " + HeadlessChromium.BINARY + ": install Debian's chromium "
                + "(apt-get install chromium; .ci/run does) to open the report in a browser");
        assertEquals(0, report.code(), report.output());
        HeadlessChromium.Page page = HeadlessChromium.open(run.resolve("report.html"), tmp.resolve("browser"));
        assertEquals("complete", page.readyState(), page.log());
        assertTrue(page.title().startsWith("infopro run report: ResNet-8, staggered"), page.title());
        List<String> sections = page.images().stream().map(HeadlessChromium.Image::section).toList();
        assertEquals(List.of("loss", "accuracy", "depth", "reconstruction", "stage-throughput", "module-throughput", "memory", "pipeline"),
                sections, "every plot's <img> is on the page");
        assertEquals(List.of(), page.faults(), page.log());
    }

    @Test
    void theBrowserCheckFindsABrokenImageABlankImageAndAConsoleError() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.installed(), "no " + HeadlessChromium.BINARY + ": install Debian's chromium "
                + "(apt-get install chromium; .ci/run does) to run the browser check");
        BufferedImage white = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = white.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(white, "png", png);
        Path bad = tmp.resolve("control/bad.html");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "<!DOCTYPE html><html><head><title>control</title></head><body>"
                + "<section id=\"broken\"><img src=\"data:image/png;base64,AAAAAAAA\"></section>"
                + "<section id=\"blank\"><img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"></section>"
                + "<script>console.error('a console error')</script></body></html>");
        HeadlessChromium.Page page = HeadlessChromium.open(bad, tmp.resolve("control"));
        List<String> faults = new ArrayList<>(page.faults());
        assertEquals(3, faults.size(), faults + "\n" + page.log());
        assertTrue(faults.get(0).startsWith("image in section 'broken' not decoded"), faults.toString());
        assertTrue(faults.get(1).startsWith("image in section 'blank' is blank"), faults.toString());
        assertTrue(faults.get(2).startsWith("console: ") && faults.get(2).contains("a console error"), faults.toString());
    }

    @Test
    void aFolderThatIsNotARunExitsWith2AndSaysWhatToGive() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-a-run"));
        Launch.Result r = Launch.infopro(tmp.resolve("not-a-run.log"), "--master", "local[1]", "report", "--run", empty.toString());
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("is not a train run: it has no result.json and no epoch in metrics.jsonl"), r.output());
        assertFalse(Files.exists(empty.resolve("report.html")));
    }
}
