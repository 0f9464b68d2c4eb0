package org.infopro.data.rehearsal;

import org.infopro.data.io.Status;

import java.util.List;
import java.util.Map;

/**
 * What a make-cityscapes run did, printed as JSON by the entry point: the tree's root, its frame count in all and
 * per split ({@code train}, {@code val}), the cities of each split, the frame size, the label table (train id, label
 * id, Cityscapes name, what it shows: {@code background} or a Fashion-MNIST label, with garments pasted and pixels
 * labelled per split), the PNG bytes written and the timings in seconds ({@code total} among them).
 */
public record MakeCityscapesResult(Status status, String output, long frames, Map<String, Long> framesPerSplit,
                                   Map<String, List<String>> citiesPerSplit, int width, int height,
                                   List<MakeCityscapesJob.ClassEntry> classes, long pngBytes, Map<String, Double> timingsS) {
}
