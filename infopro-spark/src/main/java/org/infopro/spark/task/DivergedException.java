package org.infopro.spark.task;

import java.util.Locale;

/**
 * A local module's training loss became NaN or infinite: training stops there (DJL's divergence check), naming
 * the module, epoch and step. The driver keeps the last checkpoint it wrote, which precedes the failed round.
 */
public final class DivergedException extends RuntimeException {
    private final int module;
    private final int epoch;
    private final int step;
    private final double loss;

    public DivergedException(int module, int epoch, int step, double loss, String hint) {
        super(String.format(Locale.ROOT, "training diverged: module %d, epoch %d, step %d has loss %s%s", module + 1,
                epoch + 1, step + 1, loss, hint.isEmpty() ? "" : "; " + hint));
        this.module = module;
        this.epoch = epoch;
        this.step = step;
        this.loss = loss;
    }

    /** Throws when {@code loss} is not finite. Module, epoch and step are 0-based (the message is 1-based). */
    public static void check(double loss, int module, int epoch, int step) {
        if (!Double.isFinite(loss)) {
            throw new DivergedException(module, epoch, step, loss, "");
        }
    }

    /** This divergence as the driver reports it, with what the user can do. */
    public DivergedException withHint(String hint) {
        return new DivergedException(module, epoch, step, loss, hint);
    }

    /** The divergence behind a failed Spark job (the task's exception is the job's cause), or null. */
    public static DivergedException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DivergedException d) {
                return d;
            }
        }
        return null;
    }
}
