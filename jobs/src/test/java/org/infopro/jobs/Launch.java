package org.infopro.jobs;

import org.infopro.data.testing.IdxFixtures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to its end as a separate process, its output (stdout and stderr) kept in a log file. */
final class Launch {
    record Result(int code, String output) {
    }

    private Launch() {
    }

    /** Runs {@code cmd} with {@code env} added to this process's environment (and one native thread); fails after 10 minutes. */
    static Result run(Path log, Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
            throw new AssertionError(String.join(" ", cmd) + " timed out; its log:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** {@code submit/infopro args...}. */
    static Result infopro(Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(IdxFixtures.repositoryRoot().resolve("submit/infopro").toString());
        cmd.addAll(List.of(args));
        return run(log, Map.of(), cmd);
    }
}
