package org.infopro.spark.metrics;

import java.util.List;

/**
 * What a schedule reports while it runs, for the run's bookkeeping: metrics.jsonl, the progress log and the
 * totals of result.json each listen to these events (DJL's {@code TrainingListener}), so a schedule's loop holds
 * only its algorithm.
 */
public interface RunListener {
    /** A round (or wave) of training tasks finished, and how their states were synchronised. */
    default void onRound(List<TaskStats> tasks, RoundSync sync) {
    }

    /** A checkpoint was written in {@code seconds}. */
    default void onCheckpoint(double seconds) {
    }

    /** An epoch's metrics line. */
    default void onEpoch(EpochMetrics line) {
    }

    /** A stage (the simultaneous run, a sequential module, the staggered pipeline) finished. */
    default void onStage(StageReport stage) {
    }

    /** Several listeners as one, called in order. */
    static RunListener all(RunListener... listeners) {
        List<RunListener> ls = List.of(listeners);
        return new RunListener() {
            @Override
            public void onRound(List<TaskStats> tasks, RoundSync sync) {
                ls.forEach(l -> l.onRound(tasks, sync));
            }

            @Override
            public void onCheckpoint(double seconds) {
                ls.forEach(l -> l.onCheckpoint(seconds));
            }

            @Override
            public void onEpoch(EpochMetrics line) {
                ls.forEach(l -> l.onEpoch(line));
            }

            @Override
            public void onStage(StageReport stage) {
                ls.forEach(l -> l.onStage(stage));
            }
        };
    }
}
