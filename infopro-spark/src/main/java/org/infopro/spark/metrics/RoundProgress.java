package org.infopro.spark.metrics;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import org.infopro.data.io.ProgressTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.collection.JavaConverters;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A driver-side progress line while a round's tasks run, so that a round as long as an ImageNet epoch is not silent
 * until it ends: the training tasks add each step to an accumulator ({@link #steps}), whose running values reach the
 * driver with the executors' heartbeats ({@code spark.executor.heartbeatInterval}, 10 s by default); every few
 * seconds the line gives the steps done over all replicas, images/s and the round's ETA. A retried task's steps are
 * dropped when it fails, so the count only approximates a round with failures; the round's results never come from here.
 */
public final class RoundProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoundProgress.class);

    private final SparkContext sc;
    private final LongAccumulator steps;
    private final Map<Long, Long> running = new ConcurrentHashMap<>();
    private final Listener listener = new Listener();
    private final ProgressTimer timer;
    private final int seconds;
    private volatile long finished;

    /**
     * Starts the line for a round of {@code total} steps over all replicas of {@code batch} images each, every
     * {@code seconds} (none when 0); {@code what} names the round ("all modules epoch 1/90 steps 0..5004").
     */
    public RoundProgress(SparkContext sc, String what, long total, int batch, int seconds) {
        this.sc = sc;
        this.seconds = seconds;
        this.steps = sc.longAccumulator("infopro round steps");
        sc.addSparkListener(listener);
        this.timer = new ProgressTimer(LOG, "round-progress", seconds, t -> String.format(Locale.ROOT, "[train] %s: %s, %.0f img/s",
                what, t.counts(done(), total, "steps"), done() * (double) batch / t.elapsedS()));
    }

    /** The accumulator each training task adds one to per step. */
    public LongAccumulator steps() {
        return steps;
    }

    /** Steps done: those of ended tasks and the latest heartbeat of each running one. */
    long done() {
        long sum = finished;
        for (long v : running.values()) {
            sum += v;
        }
        return sum;
    }

    /** Stops the line; a round that printed lines while it ran gets a last one (the epoch's own line follows anyway). */
    @Override
    public void close() {
        sc.removeSparkListener(listener);
        if (seconds > 0 && timer.elapsedS() >= seconds) {
            timer.close();
        } else {
            timer.stop();
        }
    }

    private final class Listener extends SparkListener {
        @Override
        public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
            for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> t
                    : JavaConverters.seqAsJavaList(update.accumUpdates())) {
                Long value = valueOf(t._4());
                if (value != null) {
                    running.put((Long) t._1(), value);
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            Long value = valueOf(end.taskInfo().accumulables());
            running.remove(end.taskInfo().taskId());
            if (value != null && end.taskInfo().successful()) {
                finished += value;
            }
        }

        private Long valueOf(scala.collection.Seq<AccumulableInfo> infos) {
            for (AccumulableInfo a : JavaConverters.seqAsJavaList(infos)) {
                if (a.id() == steps.id() && a.update().isDefined()) {
                    return ((Number) a.update().get()).longValue();
                }
            }
            return null;
        }
    }
}
