package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The training input of one task: the steps [{@code fromStep}, {@code toStep}) of an {@link EpochOrder}, as
 * {@link HostBatch}es, read, decoded and augmented by a bounded pool of background threads while the caller trains
 * on the batch before. At most {@code prefetch} steps are in flight or waiting, so a task holds at most
 * prefetch × batch decoded images besides the batch it trains on ({@link #maxDecodedAlive()}, whatever the dataset
 * size), plus the encoded rows of the few windows those steps touch. Step s holds positions [s·B, s·B + B): cut short at the end of the epoch, or
 * wrapping around it when {@code wrap} (data-parallel replicas all run equal full batches). Each step's
 * augmentation draws from its own {@link Random}, so threads never change what a step computes.
 */
public final class ImageStream implements AutoCloseable {

    /** Batch size, steps in flight, decoding threads. */
    public record Settings(int batchSize, int prefetch, int threads) implements Serializable {
        public Settings {
            if (batchSize < 1 || prefetch < 1 || threads < 1) {
                throw new IllegalArgumentException("batch " + batchSize + ", prefetch " + prefetch + ", threads " + threads);
            }
        }
    }

    /** The augmentation stream of a step; null from {@link #random} means no augmentation. */
    public interface StepRandom {
        Random at(int step);
    }

    /** What the stream measured: time the caller waited, decoding time summed over threads, images, the peak. */
    public record Stats(long waitNanos, long decodeNanos, long images, int maxDecodedAlive, int bound) implements Serializable {
        public static final Stats NONE = new Stats(0, 0, 0, 0, 0);

        public Stats plus(Stats o) {
            return new Stats(waitNanos + o.waitNanos, decodeNanos + o.decodeNanos, images + o.images,
                    Math.max(maxDecodedAlive, o.maxDecodedAlive), Math.max(bound, o.bound));
        }
    }

    private record Step(int step, long[] positions, Set<Integer> windows, CompletableFuture<HostBatch> batch) {
    }

    private final EpochOrder order;
    private final BatchAssembler assembler;
    private final Configuration conf;
    private final Settings settings;
    private final boolean wrap;
    private final StepRandom random;
    private final int toStep;
    private final ExecutorService decoders;
    private final ExecutorService reader;
    private final Map<Integer, CompletableFuture<List<ShardRow>>> windows = new HashMap<>();
    private final Map<Integer, Integer> windowRefs = new HashMap<>();
    private final ArrayDeque<Step> inFlight = new ArrayDeque<>();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger maxAlive = new AtomicInteger();
    private final AtomicLong decodeNanos = new AtomicLong();
    private long waitNanos;
    private long images;
    private int nextToSubmit;

    public ImageStream(EpochOrder order, BatchAssembler assembler, Configuration conf, Settings settings, boolean wrap,
                       StepRandom random, int fromStep, int toStep) {
        this.order = order;
        this.assembler = assembler;
        this.conf = conf;
        this.settings = settings;
        this.wrap = wrap;
        this.random = random;
        this.toStep = toStep;
        this.decoders = Executors.newFixedThreadPool(settings.threads(), daemon("infopro-decode"));
        this.reader = Executors.newSingleThreadExecutor(daemon("infopro-read"));
        this.nextToSubmit = fromStep;
        while (inFlight.size() < settings.prefetch() && nextToSubmit < toStep) {
            submit(nextToSubmit++);
        }
    }

    /** Steps of an epoch of {@code size} rows in batches of {@code batchSize}. */
    public static int steps(long size, int batchSize) {
        return (int) ((size + batchSize - 1) / batchSize);
    }

    public boolean hasNext() {
        return !inFlight.isEmpty();
    }

    /** The next step's batch, waiting for it if the input threads are behind. */
    public HostBatch next() {
        Step s = inFlight.poll();
        if (s == null) {
            throw new NoSuchElementException("the stream ended at step " + toStep);
        }
        long t = System.nanoTime();
        HostBatch b;
        try {
            b = s.batch().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the input of step " + s.step(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        waitNanos += System.nanoTime() - t;
        // the batch leaves the stream's count before the next step may start decoding; its windows stay until then
        alive.addAndGet(-b.size());
        images += b.size();
        if (nextToSubmit < toStep) {
            submit(nextToSubmit++);
        }
        release(s);
        return b;
    }

    public Stats stats() {
        return new Stats(waitNanos, decodeNanos.get(), images, maxAlive.get(), bound());
    }

    /** Decoded images a task may hold at most: every step in flight. */
    public int bound() {
        return settings.prefetch() * settings.batchSize();
    }

    public int maxDecodedAlive() {
        return maxAlive.get();
    }

    private void submit(int step) {
        long first = (long) step * settings.batchSize();
        long size = order.size();
        int n = (int) (wrap ? settings.batchSize() : Math.min(settings.batchSize(), size - first));
        long[] positions = new long[n];
        Set<Integer> touched = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            positions[i] = (first + i) % size;
            touched.add(order.windowOf(positions[i]));
        }
        Map<Integer, CompletableFuture<List<ShardRow>>> rows = new HashMap<>();
        for (int w : touched) {
            windowRefs.merge(w, 1, Integer::sum);
            rows.put(w, windows.computeIfAbsent(w, this::read));
        }
        Random rng = random == null ? null : random.at(step);
        CompletableFuture<HostBatch> batch = CompletableFuture.supplyAsync(() -> decode(positions, rows, rng), decoders);
        inFlight.add(new Step(step, positions, touched, batch));
    }

    private CompletableFuture<List<ShardRow>> read(int w) {
        return CompletableFuture.supplyAsync(() -> {
            List<ShardRow> rows = new ArrayList<>();
            for (ShardChunk c : order.chunks(w)) {
                rows.addAll(ChunkReader.read(c, conf));
            }
            int[] p = order.permutation(w);
            List<ShardRow> permuted = new ArrayList<>(p.length);
            for (int i : p) {
                permuted.add(rows.get(i));
            }
            return permuted;
        }, reader);
    }

    private HostBatch decode(long[] positions, Map<Integer, CompletableFuture<List<ShardRow>>> rows, Random rng) {
        List<LabeledImage> batch = new ArrayList<>(positions.length);
        for (long pos : positions) {
            int w = order.windowOf(pos);
            ShardRow row = rows.get(w).join().get((int) (pos - order.start(w)));
            long t = System.nanoTime();
            batch.add(row.decode());
            decodeNanos.addAndGet(System.nanoTime() - t);
            maxAlive.accumulateAndGet(alive.incrementAndGet(), Math::max);
        }
        long t = System.nanoTime();
        HostBatch b = assembler.assembleHost(batch, 0, batch.size(), rng);
        decodeNanos.addAndGet(System.nanoTime() - t);
        return b;
    }

    private void release(Step s) {
        for (int w : s.windows()) {
            if (windowRefs.merge(w, -1, Integer::sum) == 0) {
                windowRefs.remove(w);
                windows.remove(w);
            }
        }
    }

    @Override
    public void close() {
        inFlight.forEach(s -> s.batch().cancel(true));
        decoders.shutdownNow();
        reader.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
