package org.infopro.spark.task;

import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.ImageStream;
import org.infopro.spark.module.ModuleStack;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * Where a training task's batches come from, step by step: the streamed images ({@link StreamedImages}, whose
 * partition holds the replica's shard chunks), or a partition of items such as spilled records
 * ({@link ListedItems}). A feed's steps are a pure function of (replica, epoch, step), so a retried task and a
 * resumed run see the same batches.
 */
public interface TrainInput<T> extends Serializable {

    /** The batches of {@code round}'s steps for {@code replica}, whose items are {@code partition}. */
    Feed open(Iterator<T> partition, int replica, RoundTask.Round round, TaskSettings settings);

    /** A task's batches in step order; owns its threads and buffers until closed. */
    interface Feed extends AutoCloseable {
        /** The next step's batch (owned by the caller), as the task's first module takes it. */
        ImageBatch next(ModuleStack stack);

        /** The image keys of the batch {@link #next} returned last. */
        List<String> keys();

        /** What the input measured so far. */
        ImageStream.Stats stats();

        @Override
        void close();
    }
}
