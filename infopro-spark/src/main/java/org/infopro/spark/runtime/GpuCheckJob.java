package org.infopro.spark.runtime;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The gpu-check diagnostic: runs tasks that do what a training task does first, {@link GpuBinding#bindCurrentTask()},
 * and returns what each was assigned and bound. A way to check a cluster's GPU scheduling before training.
 */
public final class GpuCheckJob {

    /** The application, the per-task assignments (by partition) and the distinct executors that ran them. */
    public record Result(String applicationId, String master, int tasks, List<String> executors,
                         List<GpuBinding.Assignment> assignments) {
    }

    private GpuCheckJob() {
    }

    public static Result run(GpuCheckConfig config, SparkSession spark) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> partitions = IntStream.range(0, config.tasks()).boxed().toList();
        List<GpuBinding.Assignment> assignments = jsc.parallelize(partitions, config.tasks())
                .map(p -> GpuBinding.bindCurrentTask())
                .collect().stream()
                .sorted(Comparator.comparingInt(GpuBinding.Assignment::partition))
                .toList();
        List<String> executors = assignments.stream().map(GpuBinding.Assignment::executorId).distinct().sorted().toList();
        return new Result(jsc.sc().applicationId(), jsc.master(), config.tasks(), executors, assignments);
    }
}
