package org.infopro.spark.runtime;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The gpu-check diagnostic: runs tasks that do what a training task does first, {@link GpuBinding#bindCurrentTask()},
 * and returns what each was assigned and bound, and which layer helpers DL4J picks on that executor
 * ({@link NativeRuntime#layerHelpers()}: on CUDA, whether convolution, batch norm and pooling run on cuDNN).
 * A way to check a cluster's GPU scheduling and native runtime before training.
 */
public final class GpuCheckJob {

    /**
     * The application, the per-task assignments (by partition), the distinct executors that ran them, and each
     * task's layer helpers (by partition).
     */
    public record Result(String applicationId, String master, int tasks, List<String> executors,
                         List<GpuBinding.Assignment> assignments, List<NativeRuntime.LayerHelpers> layerHelpers) {
    }

    private record TaskCheck(GpuBinding.Assignment assignment, NativeRuntime.LayerHelpers helpers) implements Serializable {
    }

    private static final Logger LOG = LoggerFactory.getLogger(GpuCheckJob.class);

    private GpuCheckJob() {
    }

    public static Result run(GpuCheckConfig config, SparkSession spark) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> partitions = IntStream.range(0, config.tasks()).boxed().toList();
        List<TaskCheck> checks = jsc.parallelize(partitions, config.tasks())
                .map(p -> check())
                .collect().stream()
                .sorted(Comparator.comparingInt(c -> c.assignment().partition()))
                .toList();
        List<GpuBinding.Assignment> assignments = checks.stream().map(TaskCheck::assignment).toList();
        List<String> executors = assignments.stream().map(GpuBinding.Assignment::executorId).distinct().sorted().toList();
        return new Result(jsc.sc().applicationId(), jsc.master(), config.tasks(), executors, assignments,
                checks.stream().map(TaskCheck::helpers).toList());
    }

    private static TaskCheck check() {
        GpuBinding.Assignment a = GpuBinding.bindCurrentTask();
        NativeRuntime.LayerHelpers helpers = NativeRuntime.layerHelpers();
        LOG.info("gpu check: task {} (partition {}) on executor {}: {}", a.taskAttemptId(), a.partition(), a.executorId(),
                helpers.describe());
        return new TaskCheck(a, helpers);
    }
}
