package org.infopro.data.io;

import org.slf4j.Logger;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A progress line logged every few seconds by a daemon thread, and once more when closed: the line is the caller's
 * ({@code line}, given this timer), usually built with {@link #counts}, which gives done of total, the rate and an ETA.
 */
public final class ProgressTimer implements AutoCloseable {
    private final Logger log;
    private final Function<ProgressTimer, String> line;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;

    /** Logs {@code line} to {@code log} every {@code seconds} (none when 0) on a thread named {@code thread}. */
    public ProgressTimer(Logger log, String thread, int seconds, Function<ProgressTimer, String> line) {
        this.log = log;
        this.line = line;
        if (seconds > 0) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, thread);
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::report, seconds, seconds, TimeUnit.SECONDS);
        } else {
            timer = null;
        }
    }

    /** Seconds since this timer started (at least a millisecond). */
    public double elapsedS() {
        return Math.max((System.nanoTime() - start) / 1e9, 1e-3);
    }

    /** "{@code done}/{@code total} {@code unit} (p%), r {@code unit}/s, elapsed e, ETA t", with done capped at total. */
    public String counts(long done, long total, String unit) {
        long n = Math.min(done, total);
        double secs = elapsedS();
        double rate = n / secs;
        String eta = n >= total ? "0s" : rate > 0 ? duration((total - n) / rate) : "-";
        return String.format(Locale.ROOT, "%d/%d %s (%.1f%%), %.1f %s/s, elapsed %s, ETA %s", n, total, unit,
                total == 0 ? 100.0 : 100.0 * n / total, rate, unit, duration(secs), eta);
    }

    /** A duration as 42s, 3m07s or 1h05m. */
    public static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }

    private void report() {
        log.info(line.apply(this));
    }

    /** Stops the timer without a last line. */
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Stops the timer and logs the line once more. */
    @Override
    public void close() {
        stop();
        report();
    }
}
