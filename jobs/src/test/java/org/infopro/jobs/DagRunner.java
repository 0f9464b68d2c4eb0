package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.testing.IdxFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Airflow DAG's tasks run as Airflow would run them, without Airflow: dag_render.py builds each task's argv as
 * SparkSubmitHook does, the argv runs as a process with submit/airflow (the spark-submit shim) first on PATH, and a
 * task succeeds when the process exits 0, which is Airflow's judgement on YARN and locally (on Kubernetes cluster mode
 * Airflow also needs spark-submit's {@code exit code: 0} line, which this does not model). The master and deploy mode are
 * parameters, so the same runner serves local Spark and a YARN cluster ({@code env} then carries HADOOP_CONF_DIR).
 */
final class DagRunner {
    static final Path SHIM_DIR = IdxFixtures.repositoryRoot().resolve("submit/airflow");

    /** One task's attempt: its id, the argv, and how the process ended. */
    record Attempt(String taskId, List<String> argv, Launch.Result result) {
        boolean succeeded() {
            return result.code() == 0;
        }
    }

    private final String master;
    private final Map<String, String> sets;
    private final Map<String, String> env;

    /**
     * A runner on {@code master} in {@code deployMode}: the DAG's raw input, dataset root and runs root replaced by
     * {@code raw}, {@code dataRoot} and {@code runsRoot} (local paths or URIs such as {@code hdfs://host:port/...}),
     * its jobs jar by the one this build made, and {@code options} (dag_render.py --set NAME=VALUE, e.g. TRAIN_OPTIONS)
     * on top.
     */
    DagRunner(String master, String deployMode, String raw, String dataRoot, String runsRoot, Map<String, String> options, Map<String, String> env) {
        this.master = master;
        this.env = Map.copyOf(env);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("DEPLOY_MODE", deployMode);
        s.put("RAW", raw);
        s.put("DATA_ROOT", dataRoot);
        s.put("RUNS_ROOT", runsRoot);
        s.put("JOBS_JAR", jobsJar().toString());
        s.putAll(options);
        this.sets = s;
    }

    static Path jobsJar() {
        String jar = System.getenv("INFOPRO_JAR");
        return jar != null ? Path.of(jar) : IdxFixtures.repositoryRoot().resolve("jobs/target/infopro-jobs.jar");
    }

    /** The DAG's tasks for logical date {@code ds}, in dependency order, with the overrides applied. */
    DagRender.Rendered render(String ds) throws IOException, InterruptedException {
        DagRender.Rendered r = DagRender.render(DagRender.DAG, ds, master, sets);
        if (r.code() != 0) {
            throw new AssertionError("dag_render.py failed: " + r.stderr());
        }
        return r;
    }

    /** The process of one attempt of {@code task}, not yet started, its output to {@code log}. */
    ProcessBuilder process(JsonNode task, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command(task)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment());
        return pb;
    }

    /** One attempt of {@code task}, run to its end. */
    Attempt attempt(JsonNode task, Path log) throws IOException, InterruptedException {
        List<String> argv = DagContract.strings(task.path("argv"));
        return new Attempt(task.path("task_id").asText(), argv, Launch.run(log, environment(), command(task)));
    }

    /**
     * The argv with its program looked up on the task's PATH, as a shell would (Java resolves a bare name on this
     * JVM's PATH, which has no shim).
     */
    private List<String> command(JsonNode task) {
        List<String> argv = new ArrayList<>(DagContract.strings(task.path("argv")));
        if (!argv.get(0).contains("/")) {
            for (String dir : environment().get("PATH").split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, argv.get(0));
                if (Files.isExecutable(p)) {
                    argv.set(0, p.toString());
                    return argv;
                }
            }
            throw new AssertionError(argv.get(0) + " is not on the task's PATH " + environment().get("PATH"));
        }
        return argv;
    }

    /** What a task's process gets on top of this one's environment: the shim first on PATH, one native thread, {@code env}. */
    private Map<String, String> environment() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("PATH", SHIM_DIR + ":" + System.getenv("PATH"));
        e.put("OMP_NUM_THREADS", "1");
        e.putAll(env);
        return e;
    }

    /** A DAG run: every task once, in order, stopping at the first that fails (its downstream tasks would not start). */
    List<Attempt> runAll(String ds, Path logs) throws IOException, InterruptedException {
        List<Attempt> done = new ArrayList<>();
        for (JsonNode task : render(ds).tasks()) {
            Attempt a = attempt(task, logs.resolve(ds + "-" + task.path("task_id").asText() + "-" + System.nanoTime() + ".log"));
            done.add(a);
            if (!a.succeeded()) {
                break;
            }
        }
        return done;
    }
}
