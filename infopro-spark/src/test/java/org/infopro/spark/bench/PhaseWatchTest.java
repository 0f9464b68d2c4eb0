package org.infopro.spark.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class PhaseWatchTest {

    @Test
    void theHeapAfterGcIsTheHighestAfterValueOfAnyPauseAndTheLiveHeapThatOfTheFullCollectionsOtherLinesIgnored(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("gc.log");
        Files.write(log, List.of(
                "[0.010s][info][gc] Using G1",
                "[0.812s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 4.110ms",
                "[2.530s][info][gc] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 120M->57M(256M) 9.001ms",
                "[2.540s][info][gc] GC(2) Concurrent Mark Cycle",
                "[2.601s][info][gc] GC(2) Pause Remark 60M->41M(256M) 1.200ms",
                "[9.999s][info][gc] GC(3) Pause Full (System.gc()) 80M->12M(64M) 30.0ms"));
        assertArrayEquals(new long[]{57L << 20, 4, 12L << 20, 1}, PhaseWatch.heapAfterGc(log));
        assertArrayEquals(new long[]{0, 0, 0, 0}, PhaseWatch.heapAfterGc(tmp.resolve("absent.log")));
    }
}
