package org.infopro.spark.metrics;

import org.infopro.spark.measure.Classification;

import java.util.Locale;

/**
 * The driver's progress line: where the run is, how fast, and when it will end. Each classifier's top-5 accuracy
 * follows its top-1 when the dataset has more than 5 classes (with fewer it is 1.0 by definition).
 */
public final class Progress {
    private Progress() {
    }

    public static String line(EpochMetrics m, int classes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "[train] %s epoch %d/%d", m.stage(), m.epoch(), m.epochs()));
        for (EpochMetrics.ModuleValidation v : m.validation().modules()) {
            sb.append(String.format(Locale.ROOT, " | module-%d", v.module()));
            if (v.accuracy() != null) {
                sb.append(String.format(Locale.ROOT, " acc %.4f", v.accuracy()));
                if (classes > Classification.TOP_K && v.top5Accuracy() != null) {
                    sb.append(String.format(Locale.ROOT, " top5 %.4f", v.top5Accuracy()));
                }
            }
            if (v.segmentation() != null && v.segmentation().get("miou") != null) {
                sb.append(String.format(Locale.ROOT, " mIoU %.4f", (Double) v.segmentation().get("miou")));
            }
            if (v.contrastiveLoss() != null) {
                sb.append(String.format(Locale.ROOT, " supcon %.4f", v.contrastiveLoss()));
            }
            if (v.reconstructionBce() != null) {
                sb.append(String.format(Locale.ROOT, " rec %.4f", v.reconstructionBce()));
            }
        }
        double eta = m.progress() > 0 ? m.elapsedS() * (1 - m.progress()) / m.progress() : Double.NaN;
        sb.append(String.format(Locale.ROOT, " | %.1f img/s | elapsed %s | ETA %s",
                m.train().imagesPerS(), duration(m.elapsedS()), duration(eta)));
        return sb.toString();
    }

    public static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
