package org.infopro.jobs;

import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.Options;
import org.infopro.data.io.Json;
import org.infopro.data.prep.IdxPrepConfig;
import org.infopro.data.prep.IdxPrepJob;
import org.infopro.data.prep.ImageDataset;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImagePrepJob;
import org.infopro.spark.bench.MemoryBenchConfig;
import org.infopro.spark.bench.MemoryBenchJob;
import org.infopro.spark.bench.ReproductionConfig;
import org.infopro.spark.bench.ReproductionJob;
import org.infopro.spark.bench.ScheduleBenchConfig;
import org.infopro.spark.bench.ScheduleBenchJob;
import org.infopro.spark.runtime.GpuCheckConfig;
import org.infopro.spark.runtime.GpuCheckJob;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.train.EvaluateConfig;
import org.infopro.spark.train.EvaluateJob;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.train.TrainJob;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The jobs jar's entry point: {@code Main <job> [options]}. Parses and validates the job's config before
 * any Spark work, runs it, prints its result as JSON, and maps the outcome to an exit code:
 * 0 ok, 2 invalid input or configuration, 1 runtime failure. Only this class calls System.exit.
 */
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;

    /** A job: its help, how it parses its config, and how it runs it on a session. */
    private record Job(String name, String summary, Supplier<String> help, Function<String[], Object> parse,
                       boolean needsSpark, Runner run) {
    }

    @FunctionalInterface
    private interface Runner {
        Object run(Object config, SparkSession spark);
    }

    private static final Map<String, Job> JOBS = new LinkedHashMap<>();

    static {
        JOBS.put(IdxPrepConfig.JOB, new Job(IdxPrepConfig.JOB, "Shard MNIST-format IDX files (Fashion-MNIST, MNIST) into Parquet.",
                () -> Options.help(IdxPrepConfig.JOB, IdxPrepConfig.SUMMARY, IdxPrepConfig.OPTIONS),
                IdxPrepConfig::fromArgs, true,
                (c, s) -> IdxPrepJob.run((IdxPrepConfig) c, s)));
        for (ImageDataset ds : ImageDataset.values()) {
            JOBS.put(ds.job(), new Job(ds.job(), ds.title(),
                    () -> Options.help(ds.job(), ds.summary(), ImagePrepConfig.options(ds)),
                    a -> ImagePrepConfig.fromArgs(ds, a), true,
                    (c, s) -> ImagePrepJob.run((ImagePrepConfig) c, s)));
        }
        JOBS.put(TrainConfig.JOB, new Job(TrainConfig.JOB, "Train InfoPro local modules on a prepared dataset.",
                () -> Options.help(TrainConfig.JOB, TrainConfig.SUMMARY, TrainConfig.options(NativeRuntime.defaultThreads())),
                a -> TrainConfig.fromArgs(a, NativeRuntime.defaultThreads()), true,
                (c, s) -> TrainJob.run((TrainConfig) c, s)));
        JOBS.put(EvaluateConfig.JOB, new Job(EvaluateConfig.JOB, "Evaluate a run's exported inference model on a dataset.",
                () -> Options.help(EvaluateConfig.JOB, EvaluateConfig.SUMMARY, EvaluateConfig.options(NativeRuntime.defaultThreads())),
                a -> EvaluateConfig.fromArgs(a, NativeRuntime.defaultThreads()), true,
                (c, s) -> EvaluateJob.run((EvaluateConfig) c, s)));
        JOBS.put(MemoryBenchConfig.JOB, new Job(MemoryBenchConfig.JOB, "Benchmark: peak training memory, InfoPro against end-to-end.",
                () -> Options.help(MemoryBenchConfig.JOB, MemoryBenchConfig.SUMMARY, MemoryBenchConfig.OPTIONS),
                MemoryBenchConfig::fromArgs, false,
                (c, s) -> MemoryBenchJob.run((MemoryBenchConfig) c)));
        JOBS.put(ReproductionConfig.JOB, new Job(ReproductionConfig.JOB, "Benchmark: the Fashion-MNIST reproduction recipe.",
                () -> Options.help(ReproductionConfig.JOB, ReproductionConfig.SUMMARY, ReproductionConfig.options(NativeRuntime.defaultThreads())),
                a -> ReproductionConfig.fromArgs(a, NativeRuntime.defaultThreads()), true,
                (c, s) -> ReproductionJob.run((ReproductionConfig) c, s)));
        JOBS.put(ScheduleBenchConfig.JOB, new Job(ScheduleBenchConfig.JOB, "Benchmark: the three training schedules on the cluster of --master.",
                () -> Options.help(ScheduleBenchConfig.JOB, ScheduleBenchConfig.SUMMARY, ScheduleBenchConfig.options(NativeRuntime.defaultThreads())),
                a -> ScheduleBenchConfig.fromArgs(a, NativeRuntime.defaultThreads()), true,
                (c, s) -> ScheduleBenchJob.run((ScheduleBenchConfig) c, s)));
        JOBS.put(GpuCheckConfig.JOB, new Job(GpuCheckConfig.JOB, "Diagnostics: run N tasks and report each task's assigned GPU and ND4J binding.",
                () -> Options.help(GpuCheckConfig.JOB, GpuCheckConfig.SUMMARY, GpuCheckConfig.OPTIONS),
                GpuCheckConfig::fromArgs, true,
                (c, s) -> GpuCheckJob.run((GpuCheckConfig) c, s)));
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Everything main does except exiting, so tests can call it. */
    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(usage());
            return args.length == 0 ? INVALID : OK;
        }
        Job job = JOBS.get(args[0]);
        if (job == null) {
            System.err.println("infopro: unknown job '" + args[0] + "'. Jobs: " + String.join(", ", JOBS.keySet())
                    + ". See 'submit/infopro --help'.");
            return INVALID;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (Options.wantsHelp(rest)) {
            System.out.print(job.help().get());
            return OK;
        }
        Object config;
        try {
            config = job.parse().apply(rest);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return INVALID;
        }
        SparkSession spark = job.needsSpark() ? SparkSession.builder().appName("infopro " + job.name()).getOrCreate() : null;
        try {
            Object result = job.run().run(config, spark);
            System.out.println(Json.line(result));
            return OK;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return INVALID;
        } catch (RuntimeException | Error e) {
            System.err.println("infopro " + job.name() + ": failed: " + e);
            e.printStackTrace(System.err);
            return FAILED;
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: submit/infopro <job> [options]   (submit/infopro <job> --help for a job's options)\n\n");
        sb.append("InfoPro locally supervised training on Apache Spark.\n\nJobs:\n");
        for (Job j : JOBS.values()) {
            sb.append(String.format(Locale.ROOT, "  %-16s %s%n", j.name(), j.summary()));
        }
        return sb.toString();
    }
}
