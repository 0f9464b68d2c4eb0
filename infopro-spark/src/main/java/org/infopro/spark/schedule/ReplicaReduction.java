package org.infopro.spark.schedule;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.infopro.spark.metrics.JobMeter;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.task.RoundTask;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The replicas' average computed by Spark, as a reduce-scatter and a gather: every replica's state (all modules'
 * parameters then updater state, concatenated in module order) is cut into P fixed pieces; the replica's task emits
 * them keyed by piece index (plus one small record with its shape, counters and {@link TaskStats}), a fixed
 * partitioner sends piece p of every replica to reduce task p, which averages it in replica order with
 * {@link ReplicaAverage}'s kernel, and the driver gathers the P averaged pieces. The driver so receives one state
 * (plus the task records), not one per replica, and the floats are bit-identical to {@link ReplicaAverage#of}.
 * <p>
 * The map side is the training task itself ({@code flatMapToPair} over the round's outcomes runs in the same task),
 * so a round stays one Spark job of two stages. If the reduce stage loses map output (a lost executor), Spark
 * recomputes the lost training tasks, which are deterministic, so the retry gives the same floats. A single replica
 * needs no shuffle: its state is collected as before.
 * <p>
 * P is {@code max(replicas, ceil(length / maxPieceFloats))}: one piece per replica spreads the reduction over the
 * executors (each reduces about 1/N of the state: the reduce-scatter's 2·(N−1)/N·state per executor), and the cap
 * keeps shuffle blocks and a reduce task's memory (N pieces and a double accumulator) bounded for large models.
 * <p>
 * Design note, for the staggered schedule ({@code StaggeredSchedule}/{@code WaveTask}), which does not average
 * today: with K modules of R replicas each, a wave would run K×R tasks; the reduction generalises by keying a piece
 * by (module k, piece p) and averaging over the R replicas of module k only, i.e. one {@code ReplicaReduction} per
 * module whose layout covers that module's state, or one shuffle with K·P partitions. Replica order within a module
 * keeps the arithmetic identical to averaging that module's R states on the driver.
 */
public final class ReplicaReduction {
    /** The largest piece: 8 Mi floats (32 MiB), a handful of reduce tasks for a ResNet-50 state (51 M floats). */
    public static final int MAX_PIECE_FLOATS = 8 << 20;

    private final int maxPieceFloats;

    /** What a round's synchronisation produced: the averaged state, the tasks' statistics, and what the job moved. */
    public record Result(List<ModuleState> state, List<TaskStats> stats, int pieces, JobMeter.Figures figures, double driverS) {
    }

    /** The cut of the concatenated state into {@code count} pieces of {@code size} floats (the last one shorter). */
    record Pieces(long length, int count, int size) implements Serializable {
        static Pieces of(long length, int replicas, int maxPieceFloats) {
            int count = (int) Math.max(replicas, (length + maxPieceFloats - 1) / maxPieceFloats);
            int size = (int) Math.max(1, (length + count - 1) / count);
            return new Pieces(length, count, size);
        }

        long from(int piece) {
            return Math.min(length, (long) piece * size);
        }

        int length(int piece) {
            return (int) (Math.min(length, (long) (piece + 1) * size) - from(piece));
        }
    }

    /** A module's shape and counters in a replica's state. */
    record Shape(int module, int params, int updater, int iterations, int epochs) implements Serializable {
        static List<Shape> of(List<ModuleState> state) {
            return state.stream().map(s -> new Shape(s.module(), s.params().length, s.updater().length, s.iterations(),
                    s.epochs())).toList();
        }
    }

    /** What a replica's task sends to the reduce side: a piece of its state, or (values null) its shapes and stats. */
    record Part(int replica, float[] values, List<Shape> shapes, TaskStats stats) implements Serializable {
    }

    /** What a reduce task returns: its averaged piece and, for piece 0, every replica's shapes and stats. */
    record Averaged(int piece, float[] mean, List<Part> replicas) implements Serializable {
    }

    /** Piece index = partition index. */
    static final class PiecePartitioner extends Partitioner {
        private final int pieces;

        PiecePartitioner(int pieces) {
            this.pieces = pieces;
        }

        @Override
        public int numPartitions() {
            return pieces;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PiecePartitioner p && p.pieces == pieces;
        }

        @Override
        public int hashCode() {
            return pieces;
        }
    }

    public ReplicaReduction() {
        this(MAX_PIECE_FLOATS);
    }

    /** With pieces of at most {@code maxPieceFloats} floats (tests use small ones to get many pieces). */
    public ReplicaReduction(int maxPieceFloats) {
        if (maxPieceFloats < 1) {
            throw new IllegalArgumentException("maxPieceFloats must be at least 1, not " + maxPieceFloats);
        }
        this.maxPieceFloats = maxPieceFloats;
    }

    /**
     * Runs the job of {@code outcomes} (one partition per replica, each yielding that replica's outcome) and returns
     * the replicas' average; {@code shape} is a state of the same shape (the round's starting state: a round changes
     * no lengths), from which the driver plans the pieces before the job runs.
     */
    public Result average(JavaRDD<RoundTask.Outcome> outcomes, int replicas, List<ModuleState> shape) {
        long length = 0;
        for (ModuleState s : shape) {
            length += s.params().length + (long) s.updater().length;
        }
        return average(outcomes, replicas, length);
    }

    /** {@link #average(JavaRDD, int, List)} for states of {@code stateFloats} floats in all. */
    public Result average(JavaRDD<RoundTask.Outcome> outcomes, int replicas, long stateFloats) {
        if (replicas == 1) {
            return collectAverage(outcomes, replicas);
        }
        long length = stateFloats;
        Pieces pieces = Pieces.of(length, replicas, maxPieceFloats);
        List<Averaged> gathered;
        JobMeter.Figures figures;
        try (JobMeter meter = JobMeter.start(outcomes.context())) {
            gathered = outcomes.flatMapToPair(o -> parts(o, pieces))
                    .partitionBy(new PiecePartitioner(pieces.count()))
                    .mapPartitionsWithIndex((p, it) -> List.of(reduce(p, it, replicas, pieces)).iterator(), false)
                    .collect();
            figures = meter.finish(1);
        }
        long t = System.nanoTime();
        List<Averaged> sorted = new ArrayList<>(gathered);
        sorted.sort(Comparator.comparingInt(Averaged::piece));
        List<Part> heads = sorted.get(0).replicas();
        List<ModuleState> state = assemble(heads.stream().map(Part::shapes).toList(), sorted, pieces);
        List<TaskStats> stats = heads.stream().map(Part::stats).toList();
        return new Result(state, stats, pieces.count(), figures, (System.nanoTime() - t) / 1e9);
    }

    /**
     * The driver-side average: collect every replica's outcome and average with {@link ReplicaAverage#of} (the
     * single replica's path, and the reference the reduction is measured and tested against).
     */
    public static Result collectAverage(JavaRDD<RoundTask.Outcome> outcomes, int replicas) {
        List<RoundTask.Outcome> all;
        JobMeter.Figures figures;
        try (JobMeter meter = JobMeter.start(outcomes.context())) {
            all = outcomes.collect();
            figures = meter.finish(1);
        }
        if (all.size() != replicas) {
            throw new IllegalStateException("expected " + replicas + " replica results, got " + all.size());
        }
        long t = System.nanoTime();
        List<ModuleState> state = ReplicaAverage.of(all);
        List<TaskStats> stats = all.stream().sorted(Comparator.comparingInt(RoundTask.Outcome::replica))
                .map(RoundTask.Outcome::stats).toList();
        return new Result(state, stats, 0, figures, (System.nanoTime() - t) / 1e9);
    }

    /** A replica's parts, made one at a time as the shuffle writer asks for them: its shape record, then P pieces. */
    static Iterator<Tuple2<Integer, Part>> parts(RoundTask.Outcome o, Pieces pieces) {
        List<ModuleState> state = o.state();
        long length = 0;
        for (ModuleState s : state) {
            length += s.params().length + (long) s.updater().length;
        }
        if (length != pieces.length()) {
            throw new IllegalStateException("replica " + o.replica() + " returned a state of " + length + " floats, the round "
                    + "started from " + pieces.length() + "; a round must not change the modules' shapes");
        }
        return new Iterator<>() {
            private int next = -1;

            @Override
            public boolean hasNext() {
                return next < pieces.count();
            }

            @Override
            public Tuple2<Integer, Part> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int p = next++;
                if (p < 0) {
                    return new Tuple2<>(0, new Part(o.replica(), null, Shape.of(state), o.stats()));
                }
                float[] values = new float[pieces.length(p)];
                copy(state, pieces.from(p), values);
                return new Tuple2<>(p, new Part(o.replica(), values, null, null));
            }
        };
    }

    /** Reduce task {@code piece}: every replica's piece, averaged in replica order; piece 0 also passes the shapes on. */
    static Averaged reduce(int piece, Iterator<Tuple2<Integer, Part>> it, int replicas, Pieces pieces) {
        float[][] byReplica = new float[replicas][];
        List<Part> heads = new ArrayList<>();
        while (it.hasNext()) {
            Part part = it.next()._2();
            if (part.replica() < 0 || part.replica() >= replicas) {
                throw new IllegalStateException("piece " + piece + ": a part of replica " + part.replica() + " of " + replicas);
            }
            if (part.values() == null) {
                heads.add(part);
            } else if (byReplica[part.replica()] != null) {
                throw new IllegalStateException("piece " + piece + ": replica " + part.replica() + " sent it twice");
            } else {
                byReplica[part.replica()] = part.values();
            }
        }
        List<float[]> inOrder = new ArrayList<>(replicas);
        for (int r = 0; r < replicas; r++) {
            if (byReplica[r] == null) {
                throw new IllegalStateException("piece " + piece + ": replica " + r + " of " + replicas + " sent nothing");
            }
            inOrder.add(byReplica[r]);
        }
        float[] mean = new float[pieces.length(piece)];
        ReplicaAverage.mean(inOrder, 0, mean.length, mean, 0);
        heads.sort(Comparator.comparingInt(Part::replica));
        if (piece == 0 && heads.size() != replicas) {
            throw new IllegalStateException("piece 0: " + heads.size() + " replicas' shapes, expected " + replicas);
        }
        return new Averaged(piece, mean, heads);
    }

    /** The averaged state from the gathered pieces, after the same agreement check {@link ReplicaAverage#of} makes. */
    private static List<ModuleState> assemble(List<List<Shape>> replicas, List<Averaged> sorted, Pieces pieces) {
        if (sorted.size() != pieces.count()) {
            throw new IllegalStateException("gathered " + sorted.size() + " averaged pieces, expected " + pieces.count());
        }
        List<Shape> first = replicas.get(0);
        for (List<Shape> shapes : replicas) {
            for (int m = 0; m < first.size(); m++) {
                Shape s = shapes.get(m);
                Shape f = first.get(m);
                if (s.iterations() != f.iterations() || s.params() != f.params() || s.updater() != f.updater()) {
                    throw new IllegalStateException("module " + (m + 1) + ": replicas disagree on shape or step ("
                            + s.iterations() + " vs " + f.iterations() + "); rounds must run equal steps");
                }
            }
        }
        List<float[]> targets = new ArrayList<>();
        for (Shape f : first) {
            targets.add(new float[f.params()]);
            targets.add(new float[f.updater()]);
        }
        for (Averaged a : sorted) {
            place(a.mean(), pieces.from(a.piece()), targets);
        }
        List<ModuleState> out = new ArrayList<>(first.size());
        for (int m = 0; m < first.size(); m++) {
            Shape f = first.get(m);
            out.add(new ModuleState(f.module(), targets.get(2 * m), targets.get(2 * m + 1), f.iterations(), f.epochs()));
        }
        return out;
    }

    /** Copies the concatenated state's floats [{@code from}, {@code from + dst.length}) into {@code dst}. */
    static void copy(List<ModuleState> state, long from, float[] dst) {
        int done = 0;
        long start = 0;
        for (ModuleState s : state) {
            for (float[] a : new float[][]{s.params(), s.updater()}) {
                long end = start + a.length;
                if (done < dst.length && from + done < end) {
                    int at = (int) (from + done - start);
                    int n = (int) Math.min(a.length - at, dst.length - done);
                    System.arraycopy(a, at, dst, done, n);
                    done += n;
                }
                start = end;
            }
        }
    }

    /** The inverse of {@link #copy}: {@code piece} into the concatenation of {@code targets} at {@code from}. */
    static void place(float[] piece, long from, List<float[]> targets) {
        int done = 0;
        long start = 0;
        for (float[] a : targets) {
            long end = start + a.length;
            if (done < piece.length && from + done < end) {
                int at = (int) (from + done - start);
                int n = (int) Math.min(a.length - at, piece.length - done);
                System.arraycopy(piece, done, a, at, n);
                done += n;
            }
            start = end;
        }
    }
}
