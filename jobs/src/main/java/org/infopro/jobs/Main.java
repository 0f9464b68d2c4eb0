package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Options;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.prep.IdxPrepConfig;
import org.infopro.data.prep.IdxPrepJob;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.data.rehearsal.MakeCityscapesConfig;
import org.infopro.data.rehearsal.MakeCityscapesJob;
import org.infopro.data.rehearsal.MakeIlsvrcConfig;
import org.infopro.data.rehearsal.MakeIlsvrcJob;
import org.infopro.spark.bench.ImageNetRehearsalConfig;
import org.infopro.spark.bench.ImageNetReportConfig;
import org.infopro.spark.bench.ImageNetReportJob;
import org.infopro.spark.bench.ImageNetRehearsalJob;
import org.infopro.spark.bench.SegmentationBenchConfig;
import org.infopro.spark.bench.SegmentationBenchJob;
import org.infopro.spark.bench.ImageNetMemoryBenchConfig;
import org.infopro.spark.bench.ImageNetMemoryBenchJob;
import org.infopro.spark.bench.InputBenchConfig;
import org.infopro.spark.bench.InputBenchJob;
import org.infopro.spark.bench.MemoryBenchConfig;
import org.infopro.spark.bench.MemoryBenchJob;
import org.infopro.spark.bench.ReproductionConfig;
import org.infopro.spark.bench.ReproductionJob;
import org.infopro.spark.bench.ReclaimBenchConfig;
import org.infopro.spark.bench.ReclaimBenchJob;
import org.infopro.spark.bench.ScaleRehearsalConfig;
import org.infopro.spark.bench.SegmentationFitConfig;
import org.infopro.spark.bench.SegmentationFitJob;
import org.infopro.spark.bench.SegmentationMemoryBenchConfig;
import org.infopro.spark.bench.SegmentationMemoryBenchJob;
import org.infopro.spark.bench.ScaleRehearsalJob;
import org.infopro.spark.bench.ScheduleBenchConfig;
import org.infopro.spark.bench.ScheduleBenchJob;
import org.infopro.spark.bench.StepBenchConfig;
import org.infopro.spark.bench.StepBenchJob;
import org.infopro.spark.bench.StepReportConfig;
import org.infopro.spark.bench.StepReportJob;
import org.infopro.spark.bench.SyncBenchConfig;
import org.infopro.spark.bench.SyncBenchJob;
import org.infopro.spark.report.ReportConfig;
import org.infopro.spark.report.ReportJob;
import org.infopro.spark.runtime.GpuCheckConfig;
import org.infopro.spark.runtime.GpuCheckJob;
import org.infopro.spark.train.EvaluateConfig;
import org.infopro.spark.train.EvaluateJob;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.train.TrainJob;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The jobs jar's entry point: {@code Main <job> [options]}. Parses and validates the job's config before
 * any Spark work, runs it, prints one summary line and then its result as pretty JSON on stdout (progress and
 * logs go to stderr), and maps the outcome to an exit code:
 * 0 ok, 2 invalid input or configuration, 1 runtime failure. Only {@link #main} calls System.exit, and not
 * as a YARN cluster-mode driver, which returns or throws instead ({@link ExitPolicy}). An {@link Error} (out of
 * memory, say) is no outcome: it propagates, after the Spark session is stopped.
 */
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;

    /** A job: its command line, whether it needs a Spark session, and how it runs its config. */
    record Job<C>(JobSpec<C> spec, boolean needsSpark, BiFunction<C, SparkSession, Object> run) {
        /** Parses {@code args} (a ConfigException says what is wrong), then runs the job; returns its result. */
        Object parseAndRun(String[] args) {
            C config = spec.parse(args);
            SparkSession spark = needsSpark ? SparkSession.builder().appName("infopro " + spec.name()).getOrCreate() : null;
            try {
                return run.apply(config, spark);
            } finally {
                if (spark != null) {
                    spark.stop();
                }
            }
        }
    }

    private static final Map<String, Job<?>> JOBS = new LinkedHashMap<>();

    private static <C> void add(JobSpec<C> spec, boolean needsSpark, BiFunction<C, SparkSession, Object> run) {
        JOBS.put(spec.name(), new Job<>(spec, needsSpark, run));
    }

    static {
        add(IdxPrepConfig.SPEC, true, IdxPrepJob::run);
        for (ImageDataset ds : ImageDataset.values()) {
            add(ImagePrepConfig.spec(ds), true, ImagePrepJob::run);
        }
        add(MakeIlsvrcConfig.SPEC, false, (c, s) -> MakeIlsvrcJob.run(c));
        add(MakeCityscapesConfig.SPEC, false, (c, s) -> MakeCityscapesJob.run(c));
        add(TrainConfig.SPEC, true, TrainJob::run);
        add(EvaluateConfig.SPEC, true, EvaluateJob::run);
        add(ReportConfig.SPEC, true, ReportJob::run);
        add(MemoryBenchConfig.SPEC, false, (c, s) -> MemoryBenchJob.run(c));
        add(ImageNetMemoryBenchConfig.SPEC, false, (c, s) -> ImageNetMemoryBenchJob.run(c));
        add(InputBenchConfig.SPEC, false, (c, s) -> InputBenchJob.run(c));
        add(StepBenchConfig.SPEC, false, (c, s) -> StepBenchJob.run(c));
        add(StepReportConfig.SPEC, false, (c, s) -> StepReportJob.run(c));
        add(ReproductionConfig.SPEC, true, ReproductionJob::run);
        add(ScheduleBenchConfig.SPEC, true, ScheduleBenchJob::run);
        add(SyncBenchConfig.SPEC, true, SyncBenchJob::run);
        add(ImageNetRehearsalConfig.SPEC, true, ImageNetRehearsalJob::run);
        add(SegmentationBenchConfig.SPEC, true, SegmentationBenchJob::run);
        add(ScaleRehearsalConfig.SPEC, false, (c, s) -> ScaleRehearsalJob.run(c));
        add(ReclaimBenchConfig.SPEC, false, (c, s) -> ReclaimBenchJob.run(c));
        add(SegmentationMemoryBenchConfig.SPEC, false, (c, s) -> SegmentationMemoryBenchJob.run(c));
        add(SegmentationFitConfig.SPEC, false, (c, s) -> SegmentationFitJob.run(c));
        add(ImageNetReportConfig.SPEC, false, (c, s) -> ImageNetReportJob.run(c));
        add(GpuCheckConfig.SPEC, true, GpuCheckJob::run);
    }

    /** Every job's command line, in the order of the job list. */
    static List<JobSpec<?>> jobs() {
        return JOBS.values().stream().<JobSpec<?>>map(Job::spec).toList();
    }

    private Main() {
    }

    public static void main(String[] args) {
        ExitPolicy policy = ExitPolicy.of(System.getProperties());
        Outcome outcome = execute(args);
        if (policy == ExitPolicy.EXIT_CODE) {
            System.exit(outcome.exitCode());
        }
        outcome.returnOrThrow();
    }

    /** Everything main does except exiting, so tests can call it; returns the exit code. */
    public static int run(String[] args) {
        return execute(args).exitCode();
    }

    /** How one invocation ended: its class (ok, invalid or failed) and, unless ok, the error. */
    record Outcome(String job, Status status, RuntimeException error) {
        static Outcome ok(String job) {
            return new Outcome(job, Status.OK, null);
        }

        int exitCode() {
            return switch (status) {
                case OK, SKIPPED -> OK;
                case INVALID -> INVALID;
                case FAILED -> FAILED;
            };
        }

        /** Returns when ok; else throws a {@link JobFailure} that names the job, the outcome class and the error. */
        void returnOrThrow() {
            if (status != Status.OK && status != Status.SKIPPED) {
                String why = status == Status.INVALID ? error.getMessage() : error.toString();
                throw new JobFailure("infopro " + job + ": " + status.label() + ": " + why, error);
            }
        }
    }

    /** A job that ended invalid or failed, thrown where main must not exit; the message starts with the outcome class. */
    static final class JobFailure extends RuntimeException {
        JobFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static Outcome execute(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(usage());
            return args.length == 0 ? new Outcome("", Status.INVALID, new ConfigException("infopro: no job given; see "
                    + "'submit/infopro --help'.")) : Outcome.ok("");
        }
        Job<?> job = JOBS.get(args[0]);
        if (job == null) {
            ConfigException e = new ConfigException("infopro: unknown job '" + args[0] + "'. Jobs: " + String.join(", ", JOBS.keySet())
                    + ". See 'submit/infopro --help'.");
            System.err.println(e.getMessage());
            return new Outcome(args[0], Status.INVALID, e);
        }
        return execute(job, Arrays.copyOfRange(args, 1, args.length));
    }

    /** Runs {@code job} on {@code args}, prints its result or its error, and says how it ended. */
    static Outcome execute(Job<?> job, String[] args) {
        String name = job.spec().name();
        if (Options.wantsHelp(args)) {
            System.out.print(job.spec().help());
            return Outcome.ok(name);
        }
        try {
            Object result = job.parseAndRun(args);
            System.out.println(summary(name, result));
            System.out.println(Json.pretty(result));
            return Outcome.ok(name);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return new Outcome(name, Status.INVALID, e);
        } catch (RuntimeException e) {
            System.err.println("infopro " + name + ": failed: " + e);
            e.printStackTrace(System.err);
            return new Outcome(name, Status.FAILED, e);
        }
    }

    /**
     * The one human-readable line printed before the result JSON: the job, its status and its headline figures
     * (the network, with its width when not 1; accuracy, images, wall time, the driver's peak resident memory, where the result
     * file is), whichever the result has.
     */
    static String summary(String job, Object result) {
        JsonNode r = Json.mapper().valueToTree(result);
        StringBuilder sb = new StringBuilder("infopro ").append(job).append(": ").append(r.path("status").asText("ok"));
        JsonNode network = r.path("config").path("network");
        if (network.isTextual()) {
            sb.append(" | ").append(network.asText());
        }
        for (String field : List.of("test_accuracy", "accuracy")) {
            if (r.path(field).isNumber()) {
                sb.append(String.format(Locale.ROOT, " | %s %.4f", field.replace('_', ' '), r.get(field).asDouble()));
            }
        }
        if (r.path("images").isNumber()) {
            sb.append(" | ").append(r.get("images").asLong()).append(" images");
        }
        JsonNode total = r.path("timings_s").path("total");
        if (total.isNumber()) {
            sb.append(String.format(Locale.ROOT, " | %.1f s", total.asDouble()));
        }
        JsonNode rss = r.path("driver_peak_rss_bytes");
        if (rss.isNumber()) {
            sb.append(String.format(Locale.ROOT, " | driver peak RSS %.2f GiB", rss.asDouble() / (1L << 30)));
        }
        JsonNode file = r.path("paths").path("result");
        if (file.isTextual()) {
            sb.append(" | ").append(file.asText());
        }
        return sb.toString();
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: submit/infopro <job> [options]   (submit/infopro <job> --help for a job's options)\n\n");
        sb.append("InfoPro locally supervised training on Apache Spark.\n\nJobs:\n");
        for (Job<?> j : JOBS.values()) {
            sb.append(String.format(Locale.ROOT, "  %-16s %s%n", j.spec().name(), j.spec().title()));
        }
        return sb.toString();
    }
}
