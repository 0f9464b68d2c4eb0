package org.infopro.data.shard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One epoch's order of a task's rows, with bounded memory: the task's chunks are permuted by the epoch's seed and
 * grouped into windows of {@link #MIX} chunks, and the rows of each window are permuted again (a shuffle buffer of
 * one window, over rows that prep already stored in a seeded hash order). Position p of the epoch is a pure
 * function of (chunks, seed, p), so any step can be read without reading the steps before it: a round that starts
 * mid-epoch, a retried task and a resumed run all see the same rows.
 */
public final class EpochOrder {
    /** Chunks per window. */
    public static final int MIX = 4;

    private final List<List<ShardChunk>> windows = new ArrayList<>();
    private final long[] starts;
    private final long seed;
    private final long size;

    public EpochOrder(List<ShardChunk> chunks, long seed) {
        List<ShardChunk> order = new ArrayList<>(chunks);
        Collections.shuffle(order, new Random(seed));
        for (int i = 0; i < order.size(); i += MIX) {
            windows.add(List.copyOf(order.subList(i, Math.min(order.size(), i + MIX))));
        }
        starts = new long[windows.size() + 1];
        for (int w = 0; w < windows.size(); w++) {
            starts[w + 1] = starts[w] + windows.get(w).stream().mapToLong(ShardChunk::rows).sum();
        }
        this.seed = seed;
        this.size = starts[windows.size()];
    }

    /** Rows in the epoch. */
    public long size() {
        return size;
    }

    /** The window holding position {@code pos} (0 ≤ pos < size). */
    public int windowOf(long pos) {
        int i = Arrays.binarySearch(starts, pos);
        return i >= 0 ? i : -i - 2;
    }

    /** The chunks of window {@code w}, whose rows, concatenated, the window's permutation indexes. */
    public List<ShardChunk> chunks(int w) {
        return windows.get(w);
    }

    /** The first position of window {@code w}. */
    public long start(int w) {
        return starts[w];
    }

    /** For each position of window {@code w}, the index of its row among the window's concatenated chunk rows. */
    public int[] permutation(int w) {
        int n = (int) (starts[w + 1] - starts[w]);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(KeyHash.mix(seed + w + 1));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
