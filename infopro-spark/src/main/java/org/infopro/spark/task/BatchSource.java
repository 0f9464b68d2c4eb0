package org.infopro.spark.task;

import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.ModuleStack;

import java.io.Serializable;
import java.util.List;
import java.util.Random;

/**
 * Where a training or validation task's batches come from. A batch's {@code features} are the input of the
 * first module the task runs: the normalised images for module 1, or a detached activation of the module
 * before (recomputed by frozen modules, or read back from a spill); its labels and reconstruction targets
 * are always those of the images.
 */
public interface BatchSource<T> extends Serializable {

    /** The key of the item's image. */
    String key(T item);

    /** Which augmented view of its image the item is (spilled items); 0 for images. */
    int view(T item);

    /** The item's stable identity: tasks sort by it so a partition's order never depends on Spark's. */
    default String order(T item) {
        return key(item);
    }

    /** The batch of {@code items[from, to)}; {@code rng} non-null draws training augmentation where there is any. */
    ImageBatch assemble(List<T> items, int from, int to, Random rng, ModuleStack stack);
}
