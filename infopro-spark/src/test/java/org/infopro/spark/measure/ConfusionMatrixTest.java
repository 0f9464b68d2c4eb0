package org.infopro.spark.measure;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionMatrixTest {
    private static final double EPS = 1e-12;

    @Test
    void iouAccuracyAndTheirMeansMatchAHandCountWithAClassThatNeverOccurs() {
        // classes 0..3; class 3 is only "predicted" on an ignored pixel, so it neither occurs nor counts
        int[] labels = {0, 0, 0, 1, 1, 2, 2, 255, 2};
        int[] preds = {0, 0, 1, 1, 2, 2, 2, 3, 0};
        ConfusionMatrix m = new ConfusionMatrix(4).add(labels, preds);
        assertEquals(8, m.pixels());
        assertEquals(2, m.count(0, 0));
        assertEquals(1, m.count(2, 0));
        double[] iou = m.iou();
        // class 0: TP 2, labelled 3, predicted 3 -> 2 / 4; class 1: 1 / (2 + 2 - 1); class 2: 2 / 4
        assertEquals(0.5, iou[0], EPS);
        assertEquals(1.0 / 3, iou[1], EPS);
        assertEquals(0.5, iou[2], EPS);
        assertTrue(Double.isNaN(iou[3]));
        assertEquals(4.0 / 9, m.meanIou(), EPS);
        assertEquals(5.0 / 8, m.pixelAccuracy(), EPS);
        assertEquals(11.0 / 18, m.meanClassAccuracy(), EPS);
        assertNull(((List<?>) m.scores().get("class_iou")).get(3));
        assertEquals(4.0 / 9, (Double) m.scores().get("miou"), EPS);
    }

    @Test
    void aClassPredictedButNeverLabelledScoresZeroIouAndNoAccuracy() {
        ConfusionMatrix m = new ConfusionMatrix(3).add(new int[]{0, 0, 1, 1}, new int[]{0, 2, 1, 1});
        // class 0: 1 / 2; class 1: 2 / 2; class 2: 0 / 1
        assertArrayEquals(new double[]{0.5, 1.0, 0.0}, m.iou(), EPS);
        assertEquals(0.5, m.meanIou(), EPS);
        assertTrue(Double.isNaN(m.classAccuracy()[2]));
        assertEquals(0.75, m.meanClassAccuracy(), EPS);
    }

    @Test
    void aLabelOutsideTheClassesNamesThePixelAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConfusionMatrix(19).add(new int[]{3, 19}, new int[]{3, 3}));
        assertTrue(e.getMessage().startsWith("pixel 1: label 19, prediction 3"), e.getMessage());
    }

    @Test
    void matricesCountedInSparkTasksSumToTheMatrixOfAllImages() {
        SplittableRandom r = new SplittableRandom(7);
        List<int[][]> images = new ArrayList<>();
        ConfusionMatrix whole = new ConfusionMatrix(5);
        for (int i = 0; i < 24; i++) {
            int[] l = new int[64];
            int[] p = new int[64];
            for (int j = 0; j < l.length; j++) {
                l[j] = r.nextInt(8) == 0 ? ConfusionMatrix.IGNORE : r.nextInt(5);
                p[j] = r.nextInt(3) == 0 ? r.nextInt(5) : (l[j] == ConfusionMatrix.IGNORE ? 0 : l[j]);
            }
            images.add(new int[][]{l, p});
            whole.add(l, p);
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ConfusionMatrixTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            ConfusionMatrix summed = new JavaSparkContext(spark.sparkContext()).parallelize(images, 4)
                    .mapPartitions(it -> {
                        ConfusionMatrix part = new ConfusionMatrix(5);
                        it.forEachRemaining(x -> part.add(x[0], x[1]));
                        return List.of(part).iterator();
                    })
                    .reduce(ConfusionMatrix::plus);
            for (int l = 0; l < 5; l++) {
                for (int p = 0; p < 5; p++) {
                    assertEquals(whole.count(l, p), summed.count(l, p), "label " + l + ", prediction " + p);
                }
            }
            assertEquals(whole.meanIou(), summed.meanIou(), 0.0);
            assertTrue(Arrays.stream(summed.iou()).allMatch(x -> x > 0 && x < 1));
        } finally {
            spark.stop();
        }
    }
}
