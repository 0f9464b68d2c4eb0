package org.infopro.spark.metrics;

import org.apache.spark.SparkEnv;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The peak memory a task saw on its executor: the ND4J peak of the task (workspace high-water marks plus
 * parameters and updater state) and the executor process's peak resident set size ({@code VmHWM}, Linux
 * only; in local mode the executor is the driver's JVM). Reduced per executor into result.json.
 */
public record ExecutorPeak(String executor, String host, long nd4jPeakBytes, Long processPeakRssBytes) implements Serializable {

    /** The calling task's executor, with this task's ND4J peak. */
    public static ExecutorPeak here(long nd4jPeakBytes) {
        SparkEnv env = SparkEnv.get();
        String id = env == null ? "driver" : env.executorId();
        String host = env == null ? "localhost" : env.blockManager().blockManagerId().host();
        return new ExecutorPeak(id, host, nd4jPeakBytes, processPeakRss());
    }

    public ExecutorPeak max(ExecutorPeak o) {
        Long rss = processPeakRssBytes == null ? o.processPeakRssBytes
                : o.processPeakRssBytes == null ? processPeakRssBytes : Math.max(processPeakRssBytes, o.processPeakRssBytes);
        return new ExecutorPeak(executor, host, Math.max(nd4jPeakBytes, o.nd4jPeakBytes), rss);
    }

    /** Folds {@code p} into a per-executor map of peaks. */
    public static void merge(Map<String, ExecutorPeak> byExecutor, ExecutorPeak p) {
        byExecutor.merge(p.executor(), p, ExecutorPeak::max);
    }

    public static Map<String, ExecutorPeak> newMap() {
        return new TreeMap<>();
    }

    /** The peak resident set size of this process so far ({@code VmHWM}) in bytes, or null where /proc is not there. */
    public static Long processPeakRss() {
        return status("VmHWM:");
    }

    /** The resident set size of this process now ({@code VmRSS}) in bytes, or null where /proc is not there. */
    public static Long processRss() {
        return status("VmRSS:");
    }

    private static Long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
