package org.infopro.spark.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as the Linux kernel counts it ({@code /proc/self/status}): the current
 * resident set ({@code VmRSS}) and its peak since the process started ({@code VmHWM}). Null where /proc is
 * not there.
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** VmRSS in bytes, or null. */
    public static Long residentBytes() {
        return field("VmRSS:");
    }

    /** VmHWM (peak resident set) in bytes, or null. */
    public static Long peakResidentBytes() {
        return field("VmHWM:");
    }

    /** VmHWM of process {@code pid} in bytes, or null when it is gone or not readable. */
    public static Long peakResidentBytes(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmHWM:");
    }

    private static Long field(String name) {
        return field(Path.of("/proc/self/status"), name);
    }

    private static Long field(Path status, String name) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
