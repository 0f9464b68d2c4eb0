package org.infopro.spark.train;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.List;

/** Configuration of the evaluate job: a finished training run, and the data to evaluate its exported model on. */
public record EvaluateConfig(String run, String dataset, String split, int limit, int threads) {
    public static final String JOB = "evaluate";

    public static final String SUMMARY = "Loads a training run's exported inference model (the whole network without auxiliary heads)\n"
            + "and evaluates it on a prepared dataset split, distributed over the executors; prints accuracy and loss.";

    public static final Opt<String> RUN = Opt.required("run", "DIR", "A finished train --out folder (with result.json and "
            + TrainJob.MODEL + ").");
    public static final Opt<String> DATASET = Opt.string("dataset", "DIR", "Prepared dataset; empty = the one the run trained on.", "");
    public static final Opt<String> SPLIT = Opt.text("split", "NAME", "Split to evaluate.", "test");
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Evaluate the first N images in shard order (0 = all; train's --val-limit takes the same ones).", 0, 0, Integer.MAX_VALUE);

    public static final JobSpec<EvaluateConfig> SPEC = new JobSpec<>(JOB, "Evaluate a run's exported inference model on a dataset.",
            SUMMARY, List.of(RUN, DATASET, SPLIT, LIMIT, NativeRuntime.THREADS),
            o -> new EvaluateConfig(o.get(RUN), o.get(DATASET), o.get(SPLIT), o.get(LIMIT), o.get(NativeRuntime.THREADS)));

    public static EvaluateConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }
}
