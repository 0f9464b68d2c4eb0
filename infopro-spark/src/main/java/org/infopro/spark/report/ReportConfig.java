package org.infopro.spark.report;

import org.apache.hadoop.fs.Path;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the run report: the train run folder to read, and where its HTML page goes. */
public record ReportConfig(String run, String out) {
    public static final String JOB = "report";
    public static final String DEFAULT_NAME = "report.html";

    public static final String SUMMARY = "Writes one self-contained HTML page about a train run (its --out folder): a summary table with\n"
            + "the config, config_hash and status, and PNG plots (XChart) inline as data URIs: per-module training loss and\n"
            + "validation accuracy per epoch, each module's head accuracy along the depth, reconstruction loss, images/s per\n"
            + "stage and per module, peak memory per executor, the sequential spill plan or the staggered pipeline, and the\n"
            + "evaluate results found beside them. A plot whose data the run did not record says so in one line. Works for\n"
            + "every schedule, and for a run that failed or was killed (from what it wrote). Reads only; trains nothing.";

    public static final Opt<String> RUN = Opt.required("run", "DIR", "A train --out folder (with result.json or metrics.jsonl), on any "
            + "Hadoop file system.");
    public static final Opt<String> OUT = Opt.string("out", "FILE", "Where to write the HTML page, atomically; empty = <run>/"
            + DEFAULT_NAME + ".", "");

    public static final JobSpec<ReportConfig> SPEC = new JobSpec<>(JOB,
            "Report: one HTML page with the plots and config of a train run.", SUMMARY, List.of(RUN, OUT), ReportConfig::build);

    public static ReportConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ReportConfig build(Options o) {
        return new ReportConfig(o.get(RUN), o.get(OUT));
    }

    /** The page's path: {@code --out}, or report.html in the run folder. */
    public String outPath() {
        return out.isEmpty() ? new Path(run, DEFAULT_NAME).toString() : out;
    }
}
