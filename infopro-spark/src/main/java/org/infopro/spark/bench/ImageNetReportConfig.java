package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the ImageNet report: the folder of the benchmarks' results, and where the gathered report goes. */
public record ImageNetReportConfig(String dir, String results) {
    public static final String JOB = "report-imagenet";

    public static final String SUMMARY = "Gathers the ImageNet-scale benchmarks' results from --dir into one report, <results>.json and\n"
            + "<results>.md: a headline table, then every section as its benchmark wrote it (the rehearsal on real pixels,\n"
            + "input pipeline, synchronisation, memory at 224, scale rehearsal). A section whose benchmark has not been run\n"
            + "is listed as missing with the command that makes it. Reads only; runs no benchmark.";

    public static final Opt<String> DIR = Opt.text("dir", "DIR", "Folder of the benchmarks' .json and .md results.", "docs/results");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Report path without extension.", "docs/results/imagenet");

    public static final JobSpec<ImageNetReportConfig> SPEC = new JobSpec<>(JOB,
            "Report: gather the ImageNet benchmarks' results into docs/results/imagenet.{json,md}.", SUMMARY, List.of(DIR, RESULTS),
            ImageNetReportConfig::build);

    public static ImageNetReportConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ImageNetReportConfig build(Options o) {
        return new ImageNetReportConfig(o.get(DIR), o.get(RESULTS));
    }
}
