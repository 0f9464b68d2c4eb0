package org.infopro.spark.measure;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The segmentation validation sums: a classes × classes matrix of pixel counts (row = label, column = prediction),
 * additive so that executor tasks count their images and the driver sums the matrices. Pixels labelled
 * {@link #IGNORE} (Cityscapes' void, as mmsegmentation's {@code ignore_index}) are not counted.
 *
 * <p>The scores follow mmsegmentation's {@code mean_iou}: a class's IoU is TP / (TP + FP + FN) and its accuracy
 * TP / (TP + FN); a class that neither occurs in the labels nor is predicted has no IoU (NaN), and one that does not
 * occur in the labels has no accuracy; the means are over the classes that have one (NumPy's {@code nanmean}).
 */
public final class ConfusionMatrix implements Serializable {
    /** The label of pixels that count for nothing. */
    public static final int IGNORE = org.infopro.data.shard.ImageBatch.PixelLabels.IGNORE;

    private final int classes;
    private final long[] counts;

    public ConfusionMatrix(int classes) {
        if (classes < 1 || classes >= IGNORE) {
            throw new IllegalArgumentException("a confusion matrix needs 1 to " + (IGNORE - 1) + " classes, got " + classes);
        }
        this.classes = classes;
        this.counts = new long[classes * classes];
    }

    /**
     * Counts one image's pixels: {@code labels[i]} is pixel i's class or {@link #IGNORE}, {@code predictions[i]} the
     * predicted class. A label or prediction outside the classes is an error naming the pixel and the value.
     */
    public ConfusionMatrix add(int[] labels, int[] predictions) {
        if (labels.length != predictions.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + predictions.length + " predictions");
        }
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l == IGNORE) {
                continue;
            }
            int p = predictions[i];
            if (l < 0 || l >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("pixel " + i + ": label " + l + ", prediction " + p + "; both must be in [0, "
                        + classes + ") (labels may also be " + IGNORE + ", ignored). Check the dataset's class count in its manifest.");
            }
            counts[l * classes + p]++;
        }
        return this;
    }

    /** The sum of this and {@code o}, a new matrix. */
    public ConfusionMatrix plus(ConfusionMatrix o) {
        if (o.classes != classes) {
            throw new IllegalArgumentException("cannot add a " + o.classes + "-class matrix to a " + classes + "-class one");
        }
        ConfusionMatrix s = new ConfusionMatrix(classes);
        for (int i = 0; i < counts.length; i++) {
            s.counts[i] = counts[i] + o.counts[i];
        }
        return s;
    }

    public int classes() {
        return classes;
    }

    /** Pixels labelled {@code label} and predicted {@code prediction}. */
    public long count(int label, int prediction) {
        return counts[label * classes + prediction];
    }

    /** Every counted pixel. */
    public long pixels() {
        return Arrays.stream(counts).sum();
    }

    /** Per-class intersection over union; NaN for a class neither labelled nor predicted. */
    public double[] iou() {
        double[] iou = new double[classes];
        for (int c = 0; c < classes; c++) {
            long tp = count(c, c);
            long union = labelled(c) + predicted(c) - tp;
            iou[c] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return iou;
    }

    /** Per-class accuracy (recall); NaN for a class no pixel is labelled with. */
    public double[] classAccuracy() {
        double[] acc = new double[classes];
        for (int c = 0; c < classes; c++) {
            long n = labelled(c);
            acc[c] = n == 0 ? Double.NaN : (double) count(c, c) / n;
        }
        return acc;
    }

    /** Mean IoU over the classes that have one; NaN when no pixel was counted. */
    public double meanIou() {
        return nanMean(iou());
    }

    /** Mean class accuracy over the classes that occur in the labels. */
    public double meanClassAccuracy() {
        return nanMean(classAccuracy());
    }

    /** Correct pixels over counted pixels; NaN when none was counted. */
    public double pixelAccuracy() {
        long total = pixels();
        long correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += count(c, c);
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** The scores for metrics.jsonl and result.json, a class without a score as null. */
    public Map<String, Object> scores() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("miou", orNull(meanIou()));
        m.put("pixel_accuracy", orNull(pixelAccuracy()));
        m.put("mean_class_accuracy", orNull(meanClassAccuracy()));
        m.put("class_iou", orNull(iou()));
        m.put("class_accuracy", orNull(classAccuracy()));
        m.put("pixels", pixels());
        return m;
    }

    private long labelled(int c) {
        long n = 0;
        for (int p = 0; p < classes; p++) {
            n += counts[c * classes + p];
        }
        return n;
    }

    private long predicted(int c) {
        long n = 0;
        for (int l = 0; l < classes; l++) {
            n += counts[l * classes + c];
        }
        return n;
    }

    private static double nanMean(double[] v) {
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static List<Double> orNull(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(orNull(x));
        }
        return out;
    }
}
