package org.infopro.spark.bench;

import org.infopro.spark.metrics.ProcessMemory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One command (a {@code submit/infopro} phase) run to completion while it is watched from outside: its own JVM's
 * peak resident set and that of each of its Spark executor JVMs ({@code VmHWM} from {@code /proc}, sampled
 * every {@value #SAMPLE_MS} ms; it never falls, so the last sample before a process exits is at most that late),
 * and its heap after every garbage collection, from the unified GC log it is started with
 * ({@code JAVA_TOOL_OPTIONS=-Xlog:gc:file=...}, which reaches the driver JVM only: executors are started by the
 * workers), and the executors' heap after collections from the logs {@link #executorGcLogConf} has them write.
 * Every {@value #LIVE_EVERY_S} s it also takes each executor's live heap: two class histograms ({@code jcmd <pid>
 * GC.class_histogram}, each a full collection) {@value #DRAIN_S} s apart, the total of the second. One collection is
 * not enough with ND4J: its deallocator map holds a record of every buffer until a collection has found the buffer
 * dead and its deallocator threads have freed the native memory, so the first collection still counts those records
 * as live, and the threads need time to free them (measured in a training executor: 346,000 records after a full
 * collection, drained at about 33,000 a second while training went on). Linux only.
 */
final class PhaseWatch {
    static final int SAMPLE_MS = 500;
    static final int LIVE_EVERY_S = 60;
    static final int DRAIN_S = 15;
    private static final String EXECUTOR = "CoarseGrainedExecutorBackend";
    /** G1's "GC(3) Pause Young (Normal) (G1 Evacuation Pause) 25M->5M(256M) 3.456ms": before, after, capacity. */
    private static final Pattern PAUSE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    /** The last line of a class histogram: "Total    123456    7890123" (instances, bytes). */
    private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

    /** What the watch saw of a phase. Sizes in bytes (heap at MiB resolution, as the GC log prints it). */
    record Peaks(int exitCode, double wallS, Long driverPeakRssBytes, Long executorPeakRssBytes, int executors,
                 Long driverHeapAfterGcPeakBytes, int collections, Long executorHeapAfterGcPeakBytes,
                 Long executorLiveHeapPeakBytes, int executorLiveSamples) {
    }

    /**
     * The Spark property that makes every executor JVM of the phase write its own GC log beside {@code gcLog}
     * ({@code <gcLog>-executor-<pid>}): Spark prepends {@code spark.executor.defaultJavaOptions} to the launcher's
     * own {@code spark.executor.extraJavaOptions}, so neither replaces the other.
     */
    static String executorGcLogConf(Path gcLog) {
        return "spark.executor.defaultJavaOptions=-Xlog:gc:file=" + gcLog.toAbsolutePath() + "-executor-%p";
    }

    private PhaseWatch() {
    }

    /** Runs {@code command}, output to {@code log}, GC log to {@code gcLog}; returns when it has exited. */
    static Peaks run(List<String> command, Path log, Path gcLog) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.deleteIfExists(gcLog);
            try (Stream<Path> old = Files.list(gcLog.toAbsolutePath().getParent())) {
                for (Path e : old.filter(f -> f.getFileName().toString().startsWith(gcLog.getFileName() + "-executor-")).toList()) {
                    Files.delete(e);
                }
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:gc:file=" + gcLog.toAbsolutePath());
            long t0 = System.nanoTime();
            Process p = pb.start();
            long driver = 0;
            Map<Long, Long> executors = new HashMap<>();
            Map<Long, Long> live = new HashMap<>();
            int liveSamples = 0;
            long nextLive = t0 + TimeUnit.SECONDS.toNanos(LIVE_EVERY_S);
            while (true) {
                Long d = ProcessMemory.peakResidentBytes(p.pid());
                driver = d == null ? driver : Math.max(driver, d);
                List<Long> pids = executorPids(gcLog.toAbsolutePath() + "-executor-");
                for (long pid : pids) {
                    Long e = ProcessMemory.peakResidentBytes(pid);
                    if (e != null) {
                        executors.merge(pid, e, Math::max);
                    }
                }
                if (System.nanoTime() >= nextLive) {
                    for (long pid : pids) {
                        Long h = liveHeapBytes(pid, DRAIN_S);
                        if (h != null) {
                            live.merge(pid, h, Math::max);
                            liveSamples++;
                        }
                    }
                    nextLive = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIVE_EVERY_S);
                }
                if (p.waitFor(SAMPLE_MS, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            long[] heap = heapAfterGc(gcLog);
            long executorHeap = 0;
            try (Stream<Path> logs = Files.list(gcLog.toAbsolutePath().getParent())) {
                for (Path e : logs.filter(f -> f.getFileName().toString().startsWith(gcLog.getFileName() + "-executor-")).toList()) {
                    executorHeap = Math.max(executorHeap, heapAfterGc(e)[0]);
                }
            }
            return new Peaks(p.exitValue(), wall, driver == 0 ? null : driver,
                    executors.values().stream().max(Long::compare).orElse(null), executors.size(),
                    heap[1] == 0 ? null : heap[0], (int) heap[1], executorHeap == 0 ? null : executorHeap,
                    live.values().stream().max(Long::compare).orElse(null), liveSamples);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while watching " + command, e);
        }
    }

    /** From a G1 GC log: the highest heap after any pause, and the number of pauses. */
    static long[] heapAfterGc(Path gcLog) throws IOException {
        if (!Files.exists(gcLog)) {
            return new long[]{0, 0};
        }
        long max = 0;
        long n = 0;
        for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
            Matcher m = PAUSE.matcher(line);
            if (line.contains("Pause") && m.find()) {
                max = Math.max(max, Long.parseLong(m.group(2)) << 20);
                n++;
            }
        }
        return new long[]{max, n};
    }

    /**
     * The live heap of JVM {@code pid}: the bytes of the second of two class histograms taken {@code drainS} seconds
     * apart, each a full collection; null when the process is gone or does not answer.
     */
    static Long liveHeapBytes(long pid, int drainS) {
        try {
            histogramBytes(pid);
            Thread.sleep(drainS * 1000L);
            return histogramBytes(pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Long histogramBytes(long pid) throws InterruptedException {
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
            String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return j.waitFor() == 0 ? histogramTotal(out) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The bytes on a class histogram's Total line, or null when there is none. */
    static Long histogramTotal(String histogram) {
        Matcher m = TOTAL.matcher(histogram);
        return m.find() ? Long.parseLong(m.group(1)) : null;
    }

    /** The executor JVMs of this phase: those whose command line names this phase's executor GC log. */
    private static List<Long> executorPids(String gcLogPrefix) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(d -> {
                        String c = cmdline(d);
                        return c.contains(EXECUTOR) && c.contains(gcLogPrefix);
                    })
                    .map(d -> Long.parseLong(d.getFileName().toString())).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String cmdline(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
