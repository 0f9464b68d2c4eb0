package org.infopro.spark.seed;

import org.infopro.data.shard.KeyHash;

import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Every random stream of a training run as a pure function of the run's seed and a position, so that a retried
 * task, a resumed run or another schedule over the same steps draws exactly the same numbers:
 * <ul>
 *   <li>{@link #module}: a module's initial parameters;</li>
 *   <li>{@link #epochOrder}: the order of a replica's images in an epoch;</li>
 *   <li>{@link #step}: one training step's augmentation;</li>
 *   <li>{@link #noise}: a module's dropout masks in that step.</li>
 * </ul>
 * The staggered schedule is bit-identical to a one-replica simultaneous run because both take their order and
 * augmentation from here with replica 0.
 */
public final class Seeds {
    private Seeds() {
    }

    /**
     * The seed of a module's parameters, one per (run seed, module), never 0: DL4J takes a configuration seed
     * of 0 as "no seed" (measured: with --seed 0, module 1 came out different on every build of the same
     * configuration), so the pair is mixed into a non-zero value.
     */
    public static long module(long seed, int moduleIndex) {
        long z = KeyHash.mix(seed * 1_000_003L + moduleIndex + 0x9E3779B97F4A7C15L);
        return z == 0 ? 1 : z;
    }

    /** The seed of one step's augmentation at (epoch, replica, step); negative epochs are the spill's views. */
    public static long step(long seed, int epoch, int replica, int step) {
        return KeyHash.mix(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + replica * 7_919L + step);
    }

    /**
     * The seed of module {@code moduleIndex}'s random layers (dropout) in the step whose {@link #step} seed is
     * {@code stepSeed}: ND4J draws dropout masks from its thread's generator, which is otherwise shared by every
     * module a task trains in turn, so without it the masks would depend on the schedule and on task retries.
     */
    public static long noise(long stepSeed, int moduleIndex) {
        return KeyHash.mix(stepSeed ^ 0x632BE59BD9B4E019L * (moduleIndex + 1));
    }

    /** The seed of a replica's image order in an epoch. */
    public static long epochOrder(long seed, int epoch, int replica) {
        return seed * 7919L + epoch + replica * 1_000_003L;
    }

    /** Shuffles {@code items} (already in key order) into the replica's order for {@code epoch}. */
    public static <T> void shuffleEpoch(List<T> items, long seed, int epoch, int replica) {
        Collections.shuffle(items, new Random(epochOrder(seed, epoch, replica)));
    }
}
