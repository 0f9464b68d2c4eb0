package org.infopro.spark.schedule;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.task.RoundTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replicas' average as a Spark reduce-scatter ({@link ReplicaReduction}) on real Spark (local[2]): the same floats
 * as the driver's {@link ReplicaAverage#of}, bit for bit, and one state's bytes through the driver however many
 * replicas there are.
 */
class ReplicaReductionTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local("ReplicaReductionTest");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Replica {@code r}'s outcome: modules of the given lengths, floats of mixed signs and magnitudes, so rounding matters. */
    private static RoundTask.Outcome outcome(int r, int[] params, int[] updater, long seed) {
        Random rnd = new Random(seed * 1_000_003 + r);
        List<ModuleState> state = new ArrayList<>();
        for (int m = 0; m < params.length; m++) {
            state.add(new ModuleState(m, floats(rnd, params[m]), floats(rnd, updater[m]), 12, 3));
        }
        return new RoundTask.Outcome(r, state, new TaskStats(64 * (r + 1), 1, new long[params.length], new double[params.length],
                r, null, 1000L * r, org.infopro.data.shard.ImageStream.Stats.NONE));
    }

    private static float[] floats(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        }
        return a;
    }

    /** The outcomes as a round's RDD, one partition per replica, in a shuffled order (the reduction sorts by replica). */
    private static JavaRDD<RoundTask.Outcome> rdd(List<RoundTask.Outcome> outcomes) {
        List<RoundTask.Outcome> shuffled = new ArrayList<>(outcomes);
        Collections.shuffle(shuffled, new Random(outcomes.size()));
        return jsc.parallelize(shuffled, shuffled.size());
    }

    private static List<RoundTask.Outcome> replicas(int n, int[] params, int[] updater) {
        List<RoundTask.Outcome> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            out.add(outcome(r, params, updater, n));
        }
        return out;
    }

    private static void assertBitIdentical(List<ModuleState> expected, List<ModuleState> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int m = 0; m < expected.size(); m++) {
            ModuleState e = expected.get(m);
            ModuleState a = actual.get(m);
            assertEquals(e.module(), a.module(), what);
            assertArrayEquals(e.params(), a.params(), what + ": module " + (m + 1) + " parameters");
            assertArrayEquals(e.updater(), a.updater(), what + ": module " + (m + 1) + " updater state");
            assertEquals(e.iterations(), a.iterations(), what);
            assertEquals(e.epochs(), a.epochs(), what);
        }
    }

    @Test
    void theReductionIsBitIdenticalToTheDriverAverageForTwoThreeAndFourReplicas() {
        // 3 modules, 3,061 floats in all: no replica count divides it, and 32 pieces of at most 97 floats cut across modules
        int[] params = {1000, 17, 523};
        int[] updater = {1000, 0, 521};
        for (int n : new int[]{2, 3, 4}) {
            List<RoundTask.Outcome> outcomes = replicas(n, params, updater);
            List<ModuleState> driver = ReplicaAverage.of(outcomes);
            for (int maxPiece : new int[]{ReplicaReduction.MAX_PIECE_FLOATS, 97}) {
                ReplicaReduction.Result r = new ReplicaReduction(maxPiece).average(rdd(outcomes), n, outcomes.get(0).state());
                String what = n + " replicas, pieces of at most " + maxPiece + " floats (" + r.pieces() + " pieces)";
                assertBitIdentical(driver, r.state(), what);
                assertEquals(maxPiece == 97 ? 32 : n, r.pieces(), what);
                for (int i = 0; i < n; i++) {
                    assertEquals(64L * (i + 1), r.stats().get(i).images(), what + ": the tasks' statistics, in replica order");
                }
            }
        }
    }

    @Test
    void aSingleReplicaIsCollectedWithoutAShuffleAndKeptExactly() {
        List<RoundTask.Outcome> one = replicas(1, new int[]{300}, new int[]{300});
        ReplicaReduction.Result r = new ReplicaReduction().average(rdd(one), 1, one.get(0).state());
        assertBitIdentical(one.get(0).state(), r.state(), "one replica");
        assertEquals(0, r.pieces());
        assertEquals(0, r.figures().shuffleWriteBytes(), "no shuffle for one replica");
    }

    @Test
    void replicasThatRanDifferentStepsAreRefusedAsByTheDriverAverage() {
        List<RoundTask.Outcome> outcomes = replicas(2, new int[]{50}, new int[]{50});
        RoundTask.Outcome o = outcomes.get(1);
        ModuleState s = o.state().get(0);
        outcomes.set(1, new RoundTask.Outcome(1, List.of(new ModuleState(0, s.params(), s.updater(), 11, 3)), o.stats()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ReplicaReduction().average(rdd(outcomes), 2, outcomes.get(0).state()));
        assertTrue(e.getMessage().contains("replicas disagree on shape or step"), e.getMessage());
    }

    @Test
    void theDriverReceivesOneStateOfBytesWhateverTheReplicaCount() throws IOException {
        // 2 modules, 2 x 256 Ki floats each: 4 MiB of state
        int[] params = {200_000, 62_144};
        int[] updater = {200_000, 62_144};
        long oneState = serializedBytes(replicas(1, params, updater).get(0).state());
        long[] driver = new long[5];
        for (int n : new int[]{2, 4}) {
            List<RoundTask.Outcome> outcomes = replicas(n, params, updater);
            ReplicaReduction.Result reduced = new ReplicaReduction().average(rdd(outcomes), n, outcomes.get(0).state());
            ReplicaReduction.Result collected = ReplicaReduction.collectAverage(rdd(outcomes), n);
            assertBitIdentical(collected.state(), reduced.state(), n + " replicas");
            driver[n] = reduced.figures().driverBytes();
            double ratio = (double) driver[n] / oneState;
            assertTrue(ratio >= 1 && ratio < 1.25, n + " replicas: the driver received " + driver[n] + " bytes, "
                    + ratio + " x one state's " + oneState);
            double collectRatio = (double) collected.figures().driverBytes() / oneState;
            assertTrue(collectRatio >= n && collectRatio < n * 1.25, n + " replicas collected: " + collectRatio + " x one state");
            long shuffle = reduced.figures().shuffleWriteBytes();
            assertTrue(shuffle >= n * oneState && shuffle < n * oneState * 1.25, n + " replicas: shuffle " + shuffle + " bytes");
        }
        assertTrue(driver[4] < driver[2] * 1.1, "the driver's bytes must not grow with replicas: " + driver[2] + " -> " + driver[4]);
    }

    private static long serializedBytes(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.size();
    }
}
