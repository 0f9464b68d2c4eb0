package org.infopro.spark.runtime;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;

import java.util.List;

/** Configuration of the gpu-check diagnostic: how many tasks to run. */
public record GpuCheckConfig(int tasks) {
    public static final String JOB = "gpu-check";

    public static final String SUMMARY = "Diagnostics: runs N tasks, one per partition, and reports for each the GPU addresses Spark\n"
            + "assigned it and what GpuBinding bound ND4J to, as one line of JSON. Request GPUs with\n"
            + "--conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 (see README, \"GPU clusters\").";

    public static final List<Spec> OPTIONS = List.of(
            Spec.of("tasks", "N", "Tasks to run; at least the cluster's task slots, to reach every executor.", "2"));

    public static GpuCheckConfig fromArgs(String[] args) {
        Options o = Options.parse(JOB, OPTIONS, args);
        return new GpuCheckConfig(o.intIn("tasks", 1, 100000));
    }
}
