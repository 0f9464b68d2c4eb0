package org.infopro.spark.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapWatchTest {

    @Test
    void heapStillReferencedAtACollectionCountsInThePeakAfterCollectionsAndReleasedHeapDoesNotRaiseIt() throws Exception {
        long mib = 1L << 20;
        try (HeapWatch watch = HeapWatch.start()) {
            byte[][] held = new byte[96][];
            for (int i = 0; i < held.length; i++) {
                held[i] = new byte[(int) mib];
            }
            System.gc();
            HeapWatch.DriverHeap seen = awaitCollection(watch, 0);
            assertNotNull(seen.afterGcPeakBytes(), "a collection ran: " + seen);
            assertTrue(seen.afterGcPeakBytes() >= 96 * mib, "96 MiB were referenced across the collection: " + seen);
            assertTrue(seen.afterGcPeakBytes() <= seen.maxBytes(), seen.toString());
            assertTrue(held[95].length == mib);
        }
        // garbage made and dropped between collections never shows: the peak is what survived a collection
        try (HeapWatch watch = HeapWatch.start()) {
            System.gc();
            HeapWatch.DriverHeap base = awaitCollection(watch, 0);
            for (int i = 0; i < 400; i++) {
                byte[] garbage = new byte[(int) mib];
                garbage[i % garbage.length] = 1;
            }
            System.gc();
            HeapWatch.DriverHeap after = awaitCollection(watch, base.collections());
            assertTrue(after.afterGcPeakBytes() < base.afterGcPeakBytes() + 96 * mib,
                    "400 MiB of dropped garbage must not count: " + base + " then " + after);
        }
    }

    /** Collection notifications arrive on a JMX thread; waits up to 10 s for one more than {@code seen}. */
    private static HeapWatch.DriverHeap awaitCollection(HeapWatch watch, long seen) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (watch.result().collections() <= seen && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return watch.result();
    }
}
