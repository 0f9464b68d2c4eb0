package org.infopro.spark.train;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;

import java.util.List;

/** Configuration of the evaluate job: a finished training run, and the data to evaluate its exported model on. */
public record EvaluateConfig(String run, String dataset, String split, int limit, int threads) {
    public static final String JOB = "evaluate";

    public static final String SUMMARY = "Loads a training run's exported inference model (the whole network without auxiliary heads)\n"
            + "and evaluates it on a prepared dataset split, distributed over the executors; prints accuracy and loss.";

    public static List<Spec> options(int defaultThreads) {
        return List.of(
                Spec.required("run", "DIR", "A finished train --out folder (with result.json and " + TrainJob.MODEL + ")."),
                Spec.of("dataset", "DIR", "Prepared dataset; empty = the one the run trained on.", ""),
                Spec.of("split", "NAME", "Split to evaluate.", "test"),
                Spec.of("limit", "N", "Evaluate the first N images (0 = all).", "0"),
                Spec.of("threads", "N", "Native threads per task.", Integer.toString(defaultThreads)));
    }

    public static EvaluateConfig fromArgs(String[] args, int defaultThreads) {
        Options o = Options.parse(JOB, options(defaultThreads), args);
        return new EvaluateConfig(o.nonBlank("run"), o.string("dataset").trim(), o.nonBlank("split"),
                o.intIn("limit", 0, Integer.MAX_VALUE), o.intIn("threads", 1, 1024));
    }
}
