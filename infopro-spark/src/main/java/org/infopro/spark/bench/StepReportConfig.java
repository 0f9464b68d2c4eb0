package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** The per-step benchmark's report: which runs to read and where the comparison goes. */
public record StepReportConfig(String runs, String out, double loadTolerance) {
    public static final String JOB = "bench-step-report";

    public static final String SUMMARY = "Reads the run records of submit/bench-step.sh (the runs.tsv index in --runs and the JSON it\n"
            + "names) and writes the comparison of our DL4J training step with PyTorch's to <out>.json and <out>.md: images/s,\n"
            + "peak memory, ratios ours/PyTorch and InfoPro/E2E, warm-up, load; fails when the two sides' parameter counts differ.";

    public static final Opt<String> RUNS = Opt.required("runs", "DIR", "Folder with runs.tsv and the run records.");
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/step");
    public static final Opt<Double> LOAD_TOLERANCE = Opt.doubleIn("load-tolerance", "X", "Warn when the two sides' mean 1-minute "
            + "load averages differ by more than X.", 0.5, 0, 100);

    public static final JobSpec<StepReportConfig> SPEC = new JobSpec<>(JOB, "Benchmark report: our training step against PyTorch's.",
            SUMMARY, List.of(RUNS, OUT, LOAD_TOLERANCE), StepReportConfig::build);

    private static StepReportConfig build(Options o) {
        return new StepReportConfig(o.get(RUNS), o.get(OUT), o.get(LOAD_TOLERANCE));
    }
}
