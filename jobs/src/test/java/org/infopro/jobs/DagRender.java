package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** submit/airflow/dag_render.py run by python3: a DAG file's tasks, each with the spark-submit argv its hook would build. */
final class DagRender {
    static final Path DAG = IdxFixtures.repositoryRoot().resolve("submit/airflow/infopro_dag.py");
    static final Path SCRIPT = IdxFixtures.repositoryRoot().resolve("submit/airflow/dag_render.py");

    /** How a render ended: its exit code, its JSON (null unless 0) and its stderr. */
    record Rendered(int code, JsonNode json, String stderr) {
        List<JsonNode> tasks() {
            List<JsonNode> t = new ArrayList<>();
            json.path("tasks").forEach(t::add);
            return t;
        }

        JsonNode task(String id) {
            return tasks().stream().filter(t -> t.path("task_id").asText().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no task " + id + " in " + json));
        }
    }

    private DagRender() {
    }

    /** Null when python3 with jinja2 can run the renderer here, else why not. */
    static String unavailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import jinja2").redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "python3 -c 'import jinja2' did not finish";
            }
            return p.exitValue() == 0 ? null : "python3 has no jinja2 (apt-get install python3-jinja2): "
                    + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "no python3 on PATH: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Renders {@code dag} for the logical date {@code ds} on {@code master}, with {@code sets} as --set NAME=VALUE. */
    static Rendered render(Path dag, String ds, String master, Map<String, String> sets) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", SCRIPT.toString(), dag.toString(), "--ds", ds, "--master", master));
        sets.forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("dag_render.py did not finish: " + cmd);
        }
        JsonNode json = p.exitValue() == 0 ? Json.mapper().readTree(out) : null;
        return new Rendered(p.exitValue(), json, err);
    }

    static Rendered render(String ds) throws IOException, InterruptedException {
        return render(DAG, ds, "yarn", Map.of());
    }
}
