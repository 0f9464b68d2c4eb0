package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.io.WriteMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the Airflow DAG must hold for Main and for retries (docs/operations/airflow.md), checked on dag_render.py's
 * output: a structural check of the argv each task's SparkSubmitHook would run, against the jobs' real parsers.
 */
final class DagContract {
    static final String MAIN = "org.infopro.jobs.Main";
    /** The DAG's jobs in dependency order. */
    static final List<String> PIPELINE = List.of("prep-idx", "train", "evaluate", "report");
    /** --if-exists modes whose rerun of the same argv is right after a failure and after a success. */
    static final Set<WriteMode> RETRY_SAFE = Set.of(WriteMode.RESUME, WriteMode.SKIP_OK);
    /**
     * Jobs without --if-exists whose rerun is safe as it is: they read a run and replace their one output file
     * atomically (evaluate: --result; report: report.html), so a retry after a failure or a success writes it again.
     */
    static final Set<String> IDEMPOTENT = Set.of("evaluate", "report");

    private DagContract() {
    }

    /** Every breach of the contract in {@code rendered}; empty when the DAG keeps it. */
    static List<String> violations(DagRender.Rendered rendered) {
        List<String> v = new ArrayList<>();
        Map<String, JobSpec<?>> jobs = Main.jobs().stream().collect(Collectors.toMap(JobSpec::name, Function.identity()));
        List<JsonNode> tasks = rendered.tasks();
        List<String> order = new ArrayList<>();
        String previous = null;
        for (JsonNode t : tasks) {
            String id = t.path("task_id").asText();
            JsonNode kw = t.path("kwargs");
            List<String> argv = strings(t.path("argv"));
            List<String> args = strings(kw.path("application_args"));
            if (!MAIN.equals(kw.path("java_class").asText()) || !after(argv, "--class").equals(MAIN)) {
                v.add(id + ": java_class must be " + MAIN + ", is '" + kw.path("java_class").asText() + "'");
            }
            if (!argv.contains(kw.path("application").asText()) || argv.indexOf(kw.path("application").asText()) != argv.size() - args.size() - 1) {
                v.add(id + ": the application (the jobs jar) must come right before application_args");
            }
            if (!"1".equals(kw.path("conf").path("spark.yarn.maxAppAttempts").asText()) || !confs(argv).contains("spark.yarn.maxAppAttempts=1")) {
                v.add(id + ": conf must set spark.yarn.maxAppAttempts=1 (else YARN runs a failed driver twice inside each Airflow try)");
            }
            if (String.join(" ", argv).contains("{{") || String.join(" ", argv).contains("{%")) {
                v.add(id + ": the argv still holds a template after rendering: " + argv);
            }
            String upstream = String.join(",", strings(t.path("upstream")));
            if (!upstream.equals(previous == null ? "" : previous)) {
                v.add(id + ": upstream must be [" + (previous == null ? "" : previous) + "], is [" + upstream + "]");
            }
            previous = id;
            if (args.isEmpty()) {
                v.add(id + ": no application_args (the first one is the job)");
                continue;
            }
            String job = args.get(0);
            order.add(job);
            JobSpec<?> spec = jobs.get(job);
            if (spec == null) {
                v.add(id + ": job '" + job + "' is not one of Main's jobs " + jobs.keySet());
                continue;
            }
            try {
                spec.parse(args.subList(1, args.size()).toArray(String[]::new));
            } catch (ConfigException e) {
                v.add(id + ": " + job + "'s parser refuses its options: " + e.getMessage());
            }
            if (t.path("retries").asInt() > 0) {
                boolean hasMode = spec.options().stream().map(Opt::name).anyMatch("if-exists"::equals);
                if (hasMode) {
                    String mode = args.contains("--if-exists") ? after(args, "--if-exists") : WriteMode.ERROR.label();
                    if (RETRY_SAFE.stream().map(WriteMode::label).noneMatch(mode::equals)) {
                        v.add(id + ": retries " + t.path("retries").asInt() + " with --if-exists " + mode + ": a retry reruns the same argv, "
                                + "which only --if-exists resume or skip-ok makes safe");
                    }
                } else if (!IDEMPOTENT.contains(job)) {
                    v.add(id + ": retries " + t.path("retries").asInt() + " for " + job + ", which has no --if-exists and is not known to "
                            + "rerun safely");
                }
            }
        }
        if (!order.equals(PIPELINE)) {
            v.add("the jobs in dependency order must be " + PIPELINE + ", are " + order);
        } else {
            List<String> prep = args(tasks.get(0)), train = args(tasks.get(1)), eval = args(tasks.get(2)), report = args(tasks.get(3));
            if (!after(train, "--dataset").equals(after(prep, "--output"))) {
                v.add("train --dataset " + after(train, "--dataset") + " is not prep's --output " + after(prep, "--output"));
            }
            if (!after(eval, "--run").equals(after(train, "--out")) || !after(report, "--run").equals(after(train, "--out"))) {
                v.add("evaluate and report must read train's --out " + after(train, "--out"));
            }
        }
        return v;
    }

    static List<String> args(JsonNode task) {
        return strings(task.path("kwargs").path("application_args"));
    }

    /** The value after the last {@code opt} in {@code list}, or "" when there is none. */
    static String after(List<String> list, String opt) {
        int i = list.lastIndexOf(opt);
        return i >= 0 && i + 1 < list.size() ? list.get(i + 1) : "";
    }

    static List<String> strings(JsonNode array) {
        List<String> s = new ArrayList<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }

    private static List<String> confs(List<String> argv) {
        List<String> c = new ArrayList<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("--conf")) {
                c.add(argv.get(i + 1));
            }
        }
        return c;
    }
}
