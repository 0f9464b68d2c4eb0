package org.infopro.spark.metrics;

import java.util.List;

/**
 * One line of metrics.jsonl: what an epoch's training and validation measured ({@code lr}: at the epoch's start).
 * {@code stage} names what was trained ("all modules", "module 2/4", or the staggered waves), {@code progress}
 * is the fraction of the whole run's training done after this line.
 */
public record EpochMetrics(int epoch, int epochs, String stage, double progress, double lr, Training train,
                           Validation validation, double elapsedS) {

    /**
     * Training statistics of the epoch; images/s per module counts only time spent in that module. Peak memory:
     * the training thread's ND4J workspace high-water mark plus all modules' parameters and updater state.
     */
    public record Training(long images, long steps, double seconds, double imagesPerS, long peakMemoryBytes,
                           List<ModuleTraining> modules) {
    }

    public record ModuleTraining(int module, double meanLoss, double seconds, double imagesPerS) {
    }

    /**
     * Validation of every module, computed on executors and reduced on the driver. For a local module:
     * its auxiliary classifier's accuracy and cross-entropy (or its contrastive head's SupCon loss) and its
     * decoder's BCE; for the last module, the network's test accuracy and loss. {@code testAccuracy} and
     * {@code testLoss} are those of the last module validated, null when it has no classifier (a sequential
     * schedule's local module trained with λ2 = 0).
     */
    public record Validation(long images, double seconds, Double testAccuracy, Double testLoss,
                             List<ModuleValidation> modules) {
    }

    public record ModuleValidation(int module, Double accuracy, Double crossEntropy, Double contrastiveLoss,
                                   Double reconstructionBce) {
    }
}
