package org.infopro.spark.runtime;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;

import java.util.List;

/** Configuration of the gpu-check diagnostic: how many tasks to run. */
public record GpuCheckConfig(int tasks) {
    public static final String JOB = "gpu-check";

    public static final String SUMMARY = "Diagnostics: runs N tasks, one per partition, and reports for each the GPU addresses Spark\n"
            + "assigned it, what GpuBinding bound ND4J to and the layer helpers DL4J picked (on CUDA: whether\n"
            + "convolution, batch norm and pooling run on cuDNN), as one line of JSON. Request GPUs with\n"
            + "--conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 (see README, \"GPU clusters\").";

    public static final Opt<Integer> TASKS = Opt.intIn("tasks", "N", "Tasks to run; at least the cluster's task slots, to reach every "
            + "executor.", 2, 1, 100_000);

    public static final JobSpec<GpuCheckConfig> SPEC = new JobSpec<>(JOB,
            "Diagnostics: run N tasks and report each task's assigned GPU and ND4J binding.", SUMMARY, List.of(TASKS),
            o -> new GpuCheckConfig(o.get(TASKS)));

    public static GpuCheckConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }
}
