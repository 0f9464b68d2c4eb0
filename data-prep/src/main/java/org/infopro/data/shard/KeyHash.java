package org.infopro.data.shard;

import java.nio.charset.StandardCharsets;

/**
 * A stable 64-bit hash of (key, seed): the same on every JVM, Spark version and run. It assigns rows to
 * shards and orders rows inside a shard, so a dataset prepared twice with one seed is identical.
 */
public final class KeyHash {
    private KeyHash() {
    }

    public static long of(String key, long seed) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        return h;
    }

    /** The shard of {@code key} among {@code shards}. */
    public static int shard(String key, long seed, int shards) {
        return (int) Math.floorMod(of(key, seed), (long) shards);
    }

    /** SplitMix64's finaliser: the one bit mixer of the project (shard assignment here, training seeds in {@code Seeds}). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
