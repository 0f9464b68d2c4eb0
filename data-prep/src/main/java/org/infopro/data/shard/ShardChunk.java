package org.infopro.data.shard;

import java.io.Serializable;

/**
 * A contiguous range of rows of one shard file: rows [{@code firstRow}, {@code firstRow + rows}) of the file at
 * {@code path} (a Hadoop path). The unit training tasks stream, so a task holds a few chunks' encoded rows,
 * never its whole share. {@code index} is the chunk's place in its split (stable; orders ties).
 */
public record ShardChunk(String path, long firstRow, int rows, int index) implements Serializable {
}
