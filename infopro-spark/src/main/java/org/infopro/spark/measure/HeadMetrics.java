package org.infopro.spark.measure;

import java.io.Serializable;

/**
 * Validation sums of one module's heads over some images, additive so executors' partial results can
 * be reduced on the driver: classification (auxiliary softmax head for a local module, the network's
 * classifier for the last one: top-1 and top-5 hits as {@link Classification} counts them, and cross-entropy),
 * the contrastive head's SupCon loss, the decoder's reconstruction BCE, and for segmentation the pixel
 * {@link ConfusionMatrix} of the module's per-pixel classifier (null otherwise).
 */
public record HeadMetrics(long images, long correct, long correctTop5, double crossEntropySum, double reconstructionSum,
                          double contrastiveSum, boolean hasClassifier, boolean hasReconstruction,
                          boolean hasContrastive, ConfusionMatrix confusion) implements Serializable {

    public HeadMetrics(long images, long correct, long correctTop5, double crossEntropySum, double reconstructionSum,
                       double contrastiveSum, boolean hasClassifier, boolean hasReconstruction, boolean hasContrastive) {
        this(images, correct, correctTop5, crossEntropySum, reconstructionSum, contrastiveSum, hasClassifier,
                hasReconstruction, hasContrastive, null);
    }

    public HeadMetrics plus(HeadMetrics o) {
        ConfusionMatrix c = confusion == null ? o.confusion : o.confusion == null ? confusion : confusion.plus(o.confusion);
        return new HeadMetrics(images + o.images, correct + o.correct, correctTop5 + o.correctTop5,
                crossEntropySum + o.crossEntropySum, reconstructionSum + o.reconstructionSum,
                contrastiveSum + o.contrastiveSum, hasClassifier, hasReconstruction, hasContrastive, c);
    }

    /** Mean per-anchor supervised contrastive loss (τ as trained, unweighted), over evaluation batches. */
    public Double contrastive() {
        return hasContrastive && images > 0 ? contrastiveSum / images : null;
    }

    /** Top-1 accuracy. */
    public Double accuracy() {
        return hasClassifier && images > 0 ? (double) correct / images : null;
    }

    /** Top-5 accuracy: 1.0 with 5 classes or fewer. */
    public Double top5Accuracy() {
        return hasClassifier && images > 0 ? (double) correctTop5 / images : null;
    }

    public Double crossEntropy() {
        return hasClassifier && images > 0 ? crossEntropySum / images : null;
    }

    /** Mean per-element BCE of the decoder, as PyTorch's BCELoss reports it. */
    public Double reconstruction() {
        return hasReconstruction && images > 0 ? reconstructionSum / images : null;
    }

    /** Mean IoU of the per-pixel classifier, or null when there is none (or no pixel was counted). */
    public Double miou() {
        if (confusion == null) {
            return null;
        }
        double m = confusion.meanIou();
        return Double.isNaN(m) ? null : m;
    }
}
