package org.infopro.spark.task;

import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.LabeledImage;

import java.io.Serializable;

/**
 * The modules a task trains or validates, and from what: modules {@code first..last} (0-based), fed by
 * {@code source}, whose items come in {@code views} augmented views (spilled views; 1 for images).
 */
public record Segment<T>(BatchSource<T> source, int first, int last, int views) implements Serializable {

    /** Every module, on images: the composed network. */
    public static Segment<LabeledImage> all(BatchAssembler assembler, int modules) {
        return new Segment<>(new ImageSource(assembler, 0), 0, modules - 1, 1);
    }

    /** Module {@code module} alone, on images run through the frozen modules before it. */
    public static Segment<LabeledImage> recomputed(BatchAssembler assembler, int module) {
        return new Segment<>(new ImageSource(assembler, module), module, module, 1);
    }
}
