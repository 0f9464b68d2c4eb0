package org.infopro.data.rehearsal;

import org.infopro.data.io.Status;

import java.util.Map;

/**
 * What a make-ilsvrc run did, printed as JSON by the entry point: the tree's root, its image count in all and per
 * split ({@code train}, {@code val}), its class count and JPEG side, the JPEG bytes written and the timings in
 * seconds ({@code total} among them).
 */
public record MakeIlsvrcResult(Status status, String output, long images, Map<String, Long> imagesPerSplit, int classes,
                               int size, long jpegBytes, Map<String, Double> timingsS) {
}
