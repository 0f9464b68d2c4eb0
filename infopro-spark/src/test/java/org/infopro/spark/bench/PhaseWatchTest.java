package org.infopro.spark.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhaseWatchTest {

    @Test
    void theHeapAfterGcIsTheHighestAfterValueOfAnyPauseOtherLinesIgnored(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("gc.log");
        Files.write(log, List.of(
                "[0.010s][info][gc] Using G1",
                "[0.812s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 4.110ms",
                "[2.530s][info][gc] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 120M->57M(256M) 9.001ms",
                "[2.540s][info][gc] GC(2) Concurrent Mark Cycle",
                "[2.601s][info][gc] GC(2) Pause Remark 60M->41M(256M) 1.200ms",
                "[9.999s][info][gc] GC(3) Pause Full (System.gc()) 80M->12M(64M) 30.0ms"));
        assertArrayEquals(new long[]{57L << 20, 4}, PhaseWatch.heapAfterGc(log));
        assertArrayEquals(new long[]{0, 0}, PhaseWatch.heapAfterGc(tmp.resolve("absent.log")));
    }

    @Test
    void theLiveHeapIsTheTotalLineOfAClassHistogram() {
        String histogram = String.join("\n", "4242:", " num     #instances         #bytes  class name (module)",
                "-------------------------------------------------------",
                "   1:          1520        9041232  [B (java.base@17.0.9)",
                "   2:          4113         131616  java.lang.String (java.base@17.0.9)",
                "Total          5633        9172848", "");
        assertEquals(9_172_848L, PhaseWatch.histogramTotal(histogram));
        assertNull(PhaseWatch.histogramTotal("4242:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file"));
    }

    @Test
    void theLiveHeapOfARunningJvmCountsWhatItRetainsAndNotWhatItDropped() {
        long pid = ProcessHandle.current().pid();
        byte[] retained = new byte[64 << 20];
        retained[retained.length - 1] = 1;
        Long with = PhaseWatch.liveHeapBytes(pid, 1);
        assertNotNull(with, "jcmd could not read this JVM's class histogram");
        assertTrue(with >= 64L << 20, "live heap " + with + " B misses a retained 64 MiB array");
        assertEquals(1, retained[retained.length - 1]);
        retained = null;
        Long without = PhaseWatch.liveHeapBytes(pid, 1);
        assertNotNull(without);
        assertTrue(with - without >= 60L << 20, "live heap " + with + " -> " + without + " B after dropping 64 MiB");
    }
}
