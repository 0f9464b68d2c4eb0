package org.infopro.jobs;

import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = quietly(out, err, () -> Main.run(args));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static <T> T quietly(Supplier<T> call) {
        return quietly(new ByteArrayOutputStream(), new ByteArrayOutputStream(), call);
    }

    private static <T> T quietly(ByteArrayOutputStream out, ByteArrayOutputStream err, Supplier<T> call) {
        PrintStream oldOut = System.out, oldErr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            return call.get();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A job without options or Spark whose run is {@code body}. */
    private static Main.Job<String> job(Supplier<Object> body) {
        return new Main.Job<>(new JobSpec<>("t", "A test job.", "Tests.", List.of(), o -> "config"), false, (c, s) -> body.get());
    }

    @Test
    void helpListsEveryJobAndEachJobExplainsItsOptions() {
        Run top = run("--help");
        assertEquals(Main.OK, top.code());
        assertTrue(top.out().contains("prep-idx") && top.out().contains("train"), top.out());
        Run train = run("train", "--help");
        assertEquals(Main.OK, train.code());
        for (String opt : new String[]{"--dataset", "--out", "--epochs", "--limit", "--splits", "--lambda", "--schedule", "--spill ",
                "--spill-dir", "--spill-format", "--spill-precision", "--spill-codec", "--spill-views", "--keep-spill", "--wave-fraction"}) {
            assertTrue(train.out().contains(opt), opt + " missing from train --help");
        }
        assertTrue(run("prep-idx", "--help").out().contains("--shards"));
        for (ImageDataset ds : ImageDataset.values()) {
            assertTrue(top.out().contains(ds.job()), ds.job() + " missing from the job list");
            String help = run(ds.job(), "--help").out();
            for (Opt<?> opt : ImagePrepConfig.spec(ds).options()) {
                assertTrue(help.contains("--" + opt.name() + " "), "--" + opt.name() + " missing from " + ds.job() + " --help");
            }
        }
        assertTrue(run("prep-imagenet", "--help").out().contains("--devkit"));
        assertTrue(run("gpu-check", "--help").out().contains("--tasks"));
    }

    @Test
    void everyJobReadsEveryOptionItDeclares() {
        for (JobSpec<?> job : Main.jobs()) {
            // only the required options given: every declared option, given or defaulted, must be read to build the config
            String[] args = job.options().stream().filter(Opt::required).flatMap(o -> Stream.of("--" + o.name(), "x"))
                    .toArray(String[]::new);
            assertNotNull(job.parse(args), job.name());
        }
    }

    @Test
    void invalidConfigurationExitsWith2AndOneLineBeforeSparkStarts() {
        Run r = run("train", "--dataset", "d", "--out", "o", "--schedule", "async");
        assertEquals(Main.INVALID, r.code());
        assertEquals("train: invalid --schedule 'async': expected one of simultaneous, sequential, staggered.", r.err().strip());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "no Spark session may be created for a bad config");
        Run staggered = run("train", "--dataset", "d", "--out", "o", "--schedule", "staggered", "--replicas", "2", "--sync-steps", "5");
        assertEquals(Main.INVALID, staggered.code());
        assertTrue(staggered.err().contains("--sync-steps 5 does not apply to it"), staggered.err());
        Run spill = run("train", "--dataset", "d", "--out", "o", "--schedule", "sequential", "--spill-precision", "fp8");
        assertEquals(Main.INVALID, spill.code());
        assertEquals("train: invalid --spill-precision 'fp8': expected one of fp16, fp32.", spill.err().strip());
    }

    @Test
    void makeIlsvrcWithoutIdxFilesExitsWith2NamingTheFolderAndTheFetchScript(@TempDir Path tmp) {
        Run r = run("make-ilsvrc", "--input", tmp.toString(), "--output", tmp.resolve("tree").toString());
        assertEquals(Main.INVALID, r.code());
        assertEquals("make-ilsvrc: --input " + tmp + ": no train-images-idx3-ubyte or train-images-idx3-ubyte.gz there. "
                + "Fetch Fashion-MNIST with submit/fetch-fashion-mnist.sh, or point --input at a folder of IDX files.", r.err().strip());
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "make-ilsvrc needs no Spark session");
    }

    @Test
    void stdoutCarriesOneSummaryLineThenTheResultAsPrettyJson() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Main.Outcome o = quietly(out, err, () -> Main.execute(job(() -> Map.of("status", "ok", "test_accuracy", 0.875,
                "timings_s", Map.of("total", 12.5), "driver_peak_rss_bytes", 2_684_354_560L,
                "paths", Map.of("result", "out/run/result.json"))), new String[0]));
        assertEquals(Main.OK, o.exitCode());
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n", 2);
        assertEquals("infopro t: ok | test accuracy 0.8750 | 12.5 s | driver peak RSS 2.50 GiB | out/run/result.json", lines[0]);
        assertTrue(lines[1].startsWith("{\n"), "pretty-printed: " + lines[1]);
        assertEquals(0.875, Json.mapper().readTree(lines[1]).get("test_accuracy").asDouble());
    }

    @Test
    void theSummaryLineNamesTheNetworkWithItsWidth() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        quietly(out, err, () -> Main.execute(job(() -> Map.of("status", "ok", "test_accuracy", 0.5,
                "config", Map.of("network", "ResNet-50 (width 0.25)"))), new String[0]));
        assertEquals("infopro t: ok | ResNet-50 (width 0.25) | test accuracy 0.5000", out.toString(StandardCharsets.UTF_8).split("\n", 2)[0]);
    }

    @Test
    void aContrastiveImageNetRunExitsWith2AndOneLineNamingTheValueAndTheFix() {
        Run r = run("train", "--dataset", "d", "--out", "o", "--arch", "resnet101", "--loss", "infopro-contrast");
        assertEquals(Main.INVALID, r.code());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("--loss infopro-contrast") && line.contains("no contrastive ImageNet variant")
                && line.contains("--loss infopro-softmax"), line);
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "refused before any Spark work");
    }

    @Test
    void unknownJobExitsWith2AndNamesTheJobs() {
        Run r = run("prep-imagenet-xl");
        assertEquals(Main.INVALID, r.code());
        assertTrue(r.err().contains("unknown job 'prep-imagenet-xl'. Jobs: prep-idx, prep-imagenet, prep-cityscapes, prep-cifar10, prep-svhn, prep-stl10, make-ilsvrc, make-cityscapes, train, evaluate, report, bench-memory, bench-memory-imagenet, bench-input, bench-step, bench-step-report, bench-reproduce, bench-schedules, bench-sync, bench-imagenet, bench-segmentation, bench-scale, bench-reclaim, bench-memory-segmentation, fit-crop, report-imagenet, gpu-check."), r.err());
    }

    @Test
    void aYarnClusterDriverReturnsOnSuccessAndThrowsAnExceptionNamingTheOutcome() {
        quietly(() -> Main.execute(new String[]{"train", "--help"})).returnOrThrow();
        quietly(() -> Main.execute(job(() -> "done"), new String[0])).returnOrThrow();

        Main.Outcome invalid = quietly(() -> Main.execute(new String[]{"train", "--dataset", "d", "--out", "o", "--epochs", "0"}));
        assertEquals(Status.INVALID, invalid.status());
        assertEquals(Main.INVALID, invalid.exitCode());
        Main.JobFailure i = assertThrows(Main.JobFailure.class, invalid::returnOrThrow);
        assertEquals("infopro train: invalid: train: invalid --epochs '0': expected an integer in [1, 100000].", i.getMessage());

        Main.Outcome failed = quietly(() -> Main.execute(job(() -> {
            throw new IllegalStateException("disk full");
        }), new String[0]));
        assertEquals(Main.FAILED, failed.exitCode());
        Main.JobFailure f = assertThrows(Main.JobFailure.class, failed::returnOrThrow);
        assertEquals("infopro t: failed: java.lang.IllegalStateException: disk full", f.getMessage());
        assertEquals("disk full", f.getCause().getMessage());

        Main.Outcome refusedLate = quietly(() -> Main.execute(job(() -> {
            throw new ConfigException("t: --out o already exists");
        }), new String[0]));
        assertEquals(Main.INVALID, refusedLate.exitCode(), "a refused input found while running is invalid too");
        assertEquals(Main.INVALID, quietly(() -> Main.execute(new String[0])).exitCode());
        assertThrows(Main.JobFailure.class, quietly(() -> Main.execute(new String[]{"no-such-job"}))::returnOrThrow);
    }

    @Test
    void anErrorIsNoOrdinaryFailureAndPropagates() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> quietly(() -> Main.execute(job(() -> {
            throw new OutOfMemoryError("test");
        }), new String[0])));
        assertEquals("test", e.getMessage());
    }
}
