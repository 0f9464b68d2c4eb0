package org.infopro.jobs;

import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * submit/infopro's glibc malloc settings, read from its --dry-run (against a stand-in spark-submit, so no jar or
 * Spark is needed): tuned by default for the driver and, through spark.executorEnv, the executors; a value the
 * user set is kept; INFOPRO_MALLOC=default sets nothing; anything else is refused with exit code 2.
 */
class LauncherMallocTest {
    private record Run(int code, String output) {
    }

    private static Run dryRun(Path tmp, Map<String, String> env) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(tmp.resolve("spark/bin"));
        Path submit = bin.resolve("spark-submit");
        if (!Files.exists(submit)) {
            Files.writeString(submit, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(tmp.resolve("jobs.jar"), "");
        }
        ProcessBuilder pb = new ProcessBuilder(IdxFixtures.repositoryRoot().resolve("submit/infopro").toString(),
                "--dry-run", "train", "--epochs", "1").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("MALLOC_") || k.equals("INFOPRO_MALLOC"));
        pb.environment().put("SPARK_HOME", tmp.resolve("spark").toString());
        pb.environment().put("INFOPRO_JAR", tmp.resolve("jobs.jar").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("submit/infopro --dry-run timed out");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void tunedMallocIsTheDefaultForTheDriverAndTheExecutors(@TempDir Path tmp) throws Exception {
        Run r = dryRun(tmp, Map.of());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().startsWith("env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 "
                + "MALLOC_TOP_PAD_=536870912 MALLOC_ARENA_MAX=2 "), r.output());
        for (String conf : new String[]{"spark.executorEnv.MALLOC_MMAP_THRESHOLD_=33554432",
                "spark.executorEnv.MALLOC_TRIM_THRESHOLD_=17179869184", "spark.executorEnv.MALLOC_TOP_PAD_=536870912",
                "spark.executorEnv.MALLOC_ARENA_MAX=2"}) {
            assertTrue(r.output().contains("--conf " + conf + " "), conf + " missing: " + r.output());
        }
    }

    @Test
    void aValueTheUserSetIsKept(@TempDir Path tmp) throws Exception {
        Run r = dryRun(tmp, Map.of("MALLOC_ARENA_MAX", "4"));
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains(" MALLOC_ARENA_MAX=4 ") && r.output().contains("spark.executorEnv.MALLOC_ARENA_MAX=4 "),
                r.output());
    }

    @Test
    void defaultMallocSetsNothing(@TempDir Path tmp) throws Exception {
        Run r = dryRun(tmp, Map.of("INFOPRO_MALLOC", "default"));
        assertEquals(0, r.code(), r.output());
        assertFalse(r.output().contains("MALLOC_"), r.output());
    }

    @Test
    void anUnknownMallocChoiceIsRefusedWithExitCode2(@TempDir Path tmp) throws Exception {
        Run r = dryRun(tmp, Map.of("INFOPRO_MALLOC", "jemalloc"));
        assertEquals(2, r.code(), r.output());
        assertEquals("infopro: INFOPRO_MALLOC='jemalloc' must be tuned or default.", r.output().strip());
    }
}
