package org.infopro.spark.metrics;

import org.infopro.spark.measure.HeadMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
     * its auxiliary classifier's top-1 and top-5 accuracy and cross-entropy (or its contrastive head's SupCon loss)
     * and its decoder's BCE; for the last module, the network's test accuracy (top-1 and top-5) and loss.
     * {@code testAccuracy}, {@code testTop5Accuracy} and {@code testLoss} are those of the last module validated,
     * null when it has no classifier (a sequential schedule's local module trained with λ2 = 0). Top-5 counts ties
     * against the true class and is 1.0 with 5 classes or fewer ({@link org.infopro.spark.measure.Classification}).
     * For segmentation, {@code testMiou} is the last module's mean IoU and every module's {@code segmentation} holds its
     * per-pixel classifier's scores ({@link org.infopro.spark.measure.ConfusionMatrix#scores}); both are null otherwise.
     */
    public record Validation(long images, double seconds, Double testAccuracy, Double testTop5Accuracy, Double testLoss,
                             Double testMiou, List<ModuleValidation> modules) {

        public Validation(long images, double seconds, Double testAccuracy, Double testTop5Accuracy, Double testLoss,
                          List<ModuleValidation> modules) {
            this(images, seconds, testAccuracy, testTop5Accuracy, testLoss, null, modules);
        }

        /** The validation of modules {@code first + 1 ..} from their reduced sums; the last one's accuracy is the test accuracy. */
        public static Validation of(List<HeadMetrics> val, int first, double seconds) {
            List<ModuleValidation> mv = new ArrayList<>();
            for (int i = 0; i < val.size(); i++) {
                HeadMetrics h = val.get(i);
                mv.add(new ModuleValidation(first + i + 1, h.accuracy(), h.top5Accuracy(), h.crossEntropy(),
                        h.contrastive(), h.reconstruction(), h.confusion() == null ? null : h.confusion().scores()));
            }
            HeadMetrics last = val.get(val.size() - 1);
            return new Validation(last.images(), seconds, last.accuracy(), last.top5Accuracy(), last.crossEntropy(), last.miou(), mv);
        }
    }

    /** One module's validation; {@code accuracy} is top-1. */
    public record ModuleValidation(int module, Double accuracy, Double top5Accuracy, Double crossEntropy,
                                   Double contrastiveLoss, Double reconstructionBce, Map<String, Object> segmentation) {
    }
}
