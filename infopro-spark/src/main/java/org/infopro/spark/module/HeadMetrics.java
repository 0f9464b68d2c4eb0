package org.infopro.spark.module;

import java.io.Serializable;

/**
 * Validation sums of one module's heads over some images, additive so executors' partial results can
 * be reduced on the driver: classification (auxiliary head for a local module, the network's classifier
 * for the last one) and, for local modules with a decoder, the reconstruction BCE.
 */
public record HeadMetrics(long images, long correct, double crossEntropySum, double reconstructionSum,
                          boolean hasClassifier, boolean hasReconstruction) implements Serializable {

    public static HeadMetrics empty(boolean hasClassifier, boolean hasReconstruction) {
        return new HeadMetrics(0, 0, 0, 0, hasClassifier, hasReconstruction);
    }

    public HeadMetrics plus(HeadMetrics o) {
        return new HeadMetrics(images + o.images, correct + o.correct, crossEntropySum + o.crossEntropySum,
                reconstructionSum + o.reconstructionSum, hasClassifier, hasReconstruction);
    }

    public Double accuracy() {
        return hasClassifier && images > 0 ? (double) correct / images : null;
    }

    public Double crossEntropy() {
        return hasClassifier && images > 0 ? crossEntropySum / images : null;
    }

    /** Mean per-element BCE of the decoder, as PyTorch's BCELoss reports it. */
    public Double reconstruction() {
        return hasReconstruction && images > 0 ? reconstructionSum / images : null;
    }
}
