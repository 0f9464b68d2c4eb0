package org.infopro.spark.train;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.List;

/**
 * Configuration of the evaluate job: a finished training run, and the data to evaluate its exported model on; for a
 * segmentation run the sliding window's stride ({@code null}: two thirds of the window, rounded up).
 */
public record EvaluateConfig(String run, String dataset, String split, int limit, int threads, int[] stride, String result) {
    public static final String JOB = "evaluate";

    public static final String SUMMARY = "Loads a training run's exported inference model (the whole network without auxiliary heads)\n"
            + "and evaluates it on a prepared dataset split, distributed over the executors; prints accuracy and loss, or for a\n"
            + "segmentation run mIoU, per-class IoU and pixel accuracy from sliding-window inference at full resolution.";

    public static final Opt<String> RUN = Opt.required("run", "DIR", "A finished train --out folder (with result.json and "
            + TrainJob.MODEL + ").");
    public static final Opt<String> DATASET = Opt.string("dataset", "DIR", "Prepared dataset; empty = the one the run trained on.", "");
    public static final Opt<String> SPLIT = Opt.text("split", "NAME", "Split to evaluate.", "test");
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Evaluate the first N images in shard order (0 = all; train's --val-limit takes the same ones).", 0, 0, Integer.MAX_VALUE);
    public static final Opt<String> STRIDE = Opt.string("stride", "H,W", "Segmentation: the sliding window (the model's input, the "
            + "training crop) moves H rows and W columns at a time over each frame, logits averaged where windows overlap; "
            + "empty = two thirds of the window, rounded up.", "");

    public static final Opt<String> RESULT = Opt.string("result", "PATH", "Where to write the evaluation's JSON (status ok, failed "
            + "or invalid, the metrics or the error), atomically, on any Hadoop file system; empty = <run>/evaluate-<split>.json.", "");

    public static final JobSpec<EvaluateConfig> SPEC = new JobSpec<>(JOB, "Evaluate a run's exported inference model on a dataset.",
            SUMMARY, List.of(RUN, DATASET, SPLIT, LIMIT, STRIDE, NativeRuntime.THREADS, RESULT),
            o -> new EvaluateConfig(o.get(RUN), o.get(DATASET), o.get(SPLIT), o.get(LIMIT), o.get(NativeRuntime.THREADS),
                    parseStride(o.get(STRIDE)), o.get(RESULT)));

    public EvaluateConfig(String run, String dataset, String split, int limit, int threads) {
        this(run, dataset, split, limit, threads, null, "");
    }

    /** Where the result goes: --result, or evaluate-<split>.json in the run folder. */
    public String resultPath() {
        return result.isEmpty() ? new org.apache.hadoop.fs.Path(run, "evaluate-" + split + ".json").toString() : result;
    }

    public static EvaluateConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    /** The stride over a window of {@code window[0]}×{@code window[1]}: the given one, or two thirds of the window. */
    public int[] strideFor(int[] window) {
        return stride != null ? stride.clone() : new int[]{(2 * window[0] + 2) / 3, (2 * window[1] + 2) / 3};
    }

    static int[] parseStride(String text) {
        if (text.isBlank()) {
            return null;
        }
        String[] hw = text.trim().split("\\s*[,x]\\s*");
        try {
            int[] s = {Integer.parseInt(hw[0]), Integer.parseInt(hw[hw.length - 1])};
            if (hw.length <= 2 && s[0] > 0 && s[1] > 0) {
                return s;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ConfigException(JOB + ": invalid --stride '" + text + "': give rows,columns as positive integers, for "
                + "example --stride 341,683 for a 512x1024 window.");
    }
}
