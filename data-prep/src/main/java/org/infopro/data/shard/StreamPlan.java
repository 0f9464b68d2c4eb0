package org.infopro.data.shard;

import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * How a split's rows are cut into {@link ShardChunk}s and spread over {@code parts} tasks (training replicas, or
 * validation partitions), from the manifest alone: no row is read to plan, and every task knows its share's
 * size before it starts. The first {@code limit} rows in shard order are used (shards list rows in a seeded
 * hash order, so that is a random sample). Chunks hold at most {@link #MAX_CHUNK_ROWS} rows and are small
 * enough that every part gets several; a seeded permutation deals them to the parts (round robin), so each
 * replica trains on a fixed, random 1/parts of the split.
 */
public record StreamPlan(String split, List<List<ShardChunk>> parts) implements Serializable {
    /** Rows per chunk at most: a few hundred encoded ImageNet JPEGs, tens of MB. */
    public static final int MAX_CHUNK_ROWS = 256;

    /**
     * The plan for {@code split} of the dataset at {@code datasetDir}: {@code limit} rows (0 = all) over
     * {@code parts} parts, dealt by a permutation seeded with {@code seed}.
     */
    public static StreamPlan of(DatasetManifest m, String datasetDir, String split, long limit, int parts, long seed) {
        List<DatasetManifest.ShardFile> files = m.split(split).shards();
        long available = files.stream().mapToLong(DatasetManifest.ShardFile::rows).sum();
        long total = limit > 0 ? Math.min(limit, available) : available;
        if (total < parts) {
            throw new ConfigException("split '" + split + "' has " + total + " rows (of " + available + "), fewer than the "
                    + parts + " tasks to share them; use fewer --replicas or a larger --limit.");
        }
        int chunkRows = (int) Math.max(1, Math.min(MAX_CHUNK_ROWS, (total + 4L * parts - 1) / (4L * parts)));
        List<ShardChunk> chunks = new ArrayList<>();
        long left = total;
        for (DatasetManifest.ShardFile f : files) {
            String path = new Path(datasetDir, f.path()).toString();
            for (long row = 0; row < f.rows() && left > 0; row += chunkRows) {
                int n = (int) Math.min(Math.min(chunkRows, f.rows() - row), left);
                chunks.add(new ShardChunk(path, row, n, chunks.size()));
                left -= n;
            }
        }
        List<ShardChunk> dealt = new ArrayList<>(chunks);
        Collections.shuffle(dealt, new Random(KeyHash.mix(seed ^ 0x5EED_C4C4L)));
        List<List<ShardChunk>> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            out.add(new ArrayList<>());
        }
        for (int i = 0; i < dealt.size(); i++) {
            out.get(i % parts).add(dealt.get(i));
        }
        for (List<ShardChunk> part : out) {
            if (part.isEmpty()) {
                throw new ConfigException("split '" + split + "' has " + chunks.size() + " chunks for " + parts
                        + " tasks, so a task would have no rows; use fewer --replicas.");
            }
            part.sort(Comparator.comparingInt(ShardChunk::index));
        }
        return new StreamPlan(split, out);
    }

    /** Rows of part {@code p}. */
    public long size(int p) {
        return parts.get(p).stream().mapToLong(ShardChunk::rows).sum();
    }

    /** Rows of every part. */
    public long[] sizes() {
        long[] s = new long[parts.size()];
        for (int p = 0; p < s.length; p++) {
            s[p] = size(p);
        }
        return s;
    }

    /** Rows of the whole plan. */
    public long rows() {
        long n = 0;
        for (long s : sizes()) {
            n += s;
        }
        return n;
    }
}
