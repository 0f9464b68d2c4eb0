package org.infopro.spark.task;

import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.ModuleStack;

import java.util.List;
import java.util.Random;

/**
 * Batches of images, optionally run through the frozen modules {@code 0..prefix-1} first (the sequential
 * schedule's recompute mode): fresh augmentation every step at the price of the prefix's forward passes.
 */
public record ImageSource(BatchAssembler assembler, int prefix) implements BatchSource<LabeledImage> {

    @Override
    public String key(LabeledImage item) {
        return item.key();
    }

    @Override
    public int view(LabeledImage item) {
        return 0;
    }

    @Override
    public ImageBatch assemble(List<LabeledImage> items, int from, int to, Random rng, ModuleStack stack) {
        return throughPrefix(assembler.assemble(items, from, to, rng), prefix, stack);
    }

    /** {@code images} run through the frozen modules {@code 0..prefix-1}; the result owns the batch's memory. */
    static ImageBatch throughPrefix(ImageBatch images, int prefix, ModuleStack stack) {
        if (prefix == 0) {
            return images;
        }
        Handoff h = stack.forward(images, 0, prefix);
        images.features().close();
        // the batch takes ownership of the recomputed activation and closes it with the rest
        return images.withFeatures(h.activation());
    }
}
