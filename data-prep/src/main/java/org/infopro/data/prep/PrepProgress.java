package org.infopro.data.prep;

import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A driver-side progress line for a long split: inputs done of the total, rate, quarantined so far and an
 * ETA, every few seconds, from accumulators the executors add to (task retries may over-count slightly;
 * the final counts come from the data, not from here).
 */
final class PrepProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrepProgress.class);

    private final String job;
    private final String split;
    private final long total;
    private final LongAccumulator done;
    private final LongAccumulator quarantined;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;

    PrepProgress(String job, String split, long total, LongAccumulator done, LongAccumulator quarantined, int seconds) {
        this.job = job;
        this.split = split;
        this.total = total;
        this.done = done;
        this.quarantined = quarantined;
        if (seconds > 0) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "prep-progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::report, seconds, seconds, TimeUnit.SECONDS);
        } else {
            timer = null;
        }
    }

    String line() {
        long n = Math.min(done.value(), total);
        double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
        double rate = n / secs;
        String eta = rate > 0 && n < total ? formatSeconds((total - n) / rate) : "-";
        return String.format(Locale.ROOT, "%s: %s: %d/%d inputs (%.1f%%), %.1f inputs/s, %d quarantined, elapsed %s, ETA %s",
                job, split, n, total, total == 0 ? 100.0 : 100.0 * n / total, rate, quarantined.value(),
                formatSeconds(secs), eta);
    }

    private void report() {
        LOG.info(line());
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        report();
    }
}
