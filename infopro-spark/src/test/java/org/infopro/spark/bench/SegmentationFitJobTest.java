package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.spark.bench.SegmentationFitConfig.Crop;
import org.infopro.spark.bench.SegmentationFitJob.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fit-crop: the linear memory model, its checks against measured steps, and the cap's answers. */
class SegmentationFitJobTest {

    @Test
    void theModelIsALeastSquaresLineAndTheLargestBatchTheLastThatFits() {
        // (pixels, peak) = (100, 1200), (200, 1400), (300, 1600): fixed 1000, 2 bytes per pixel
        Model m = Model.fit(List.of(100L, 200L, 300L), List.of(1200L, 1400L, 1600L));
        assertEquals(1000, m.fixedBytes(), 1e-9);
        assertEquals(2, m.perPixelBytes(), 1e-12);
        Crop crop = new Crop(16, 16);
        assertEquals(1000 + 2 * 256 * 3, m.peak(crop, 3), 1e-9);
        assertEquals(3, m.largestBatch(crop, 1000 + 2 * 256 * 3 + 511), "a fourth image needs 512 bytes more");
        assertEquals(0, m.largestBatch(crop, 1000 + 511), "not even one image");
    }

    @Test
    void measuredStepsConfirmTheModelAndTheCapPicksCropsAndBatchesByIt(@TempDir Path tmp) throws Exception {
        String out = tmp.resolve("fit").toString();
        SegmentationFitConfig c = SegmentationFitConfig.fromArgs(new String[]{"--depth", "18", "--width", "0.125", "--calibrate",
                "32x64,48x96,64x128", "--crops", "64x128,128x256,256x512", "--batch-crop", "128x256", "--cap", "80m", "--steps", "1",
                "--out", out});
        SegmentationFitJob.run(c);
        JsonNode doc = Json.mapper().readTree(Files.readString(Path.of(out + ".json")));
        assertTrue(Files.readString(Path.of(out + ".md")).contains("Largest crop at batch 1"));
        for (JsonNode f : doc.get("fits")) {
            // a model of the two smaller crops predicts the measured peak of the largest, and of batch 2
            assertTrue(Math.abs(f.get("check_error").asDouble()) < 0.02, f.toString());
            assertTrue(Math.abs(f.get("batch_check_error").asDouble()) < 0.02, f.toString());
            assertEquals(3, f.get("calibration").size());
        }
        double e2ePerPixel = doc.get("fits").get(0).get("model").get("per_pixel_bytes").asDouble();
        double k2PerPixel = doc.get("fits").get(1).get("model").get("per_pixel_bytes").asDouble();
        assertTrue(k2PerPixel < e2ePerPixel, "InfoPro* K=2 frees module 1's activations: " + k2PerPixel + " vs " + e2ePerPixel);
        long cap = 80L << 20;
        for (JsonNode r : doc.get("ladder")) {
            assertEquals(r.get("e2e_bytes").asDouble() <= cap, r.get("e2e_fits").asBoolean(), r.toString());
            assertEquals(r.get("k2_bytes").asDouble() <= cap, r.get("k2_fits").asBoolean(), r.toString());
        }
        for (String method : new String[]{"e2e", "k2"}) {
            JsonNode model = doc.get("fits").get(method.equals("e2e") ? 0 : 1).get("model");
            Model m = new Model(model.get("fixed_bytes").asDouble(), model.get("per_pixel_bytes").asDouble());
            int b = doc.get("largest_batch_" + method).asInt();
            Crop at = new Crop(128, 256);
            assertTrue(b >= 1 && m.peak(at, b) <= cap && m.peak(at, b + 1) > cap, method + ": batch " + b);
        }
    }

    @Test
    void badCropsCapsAndCalibrationsAreRefusedNamingTheValue() {
        ConfigException crop = assertThrows(ConfigException.class, () -> SegmentationFitConfig.fromArgs(new String[]{"--crops",
                "512x1020"}));
        assertTrue(crop.getMessage().contains("--crops '512x1020'") && crop.getMessage().contains("multiples of 8"), crop.getMessage());
        ConfigException cap = assertThrows(ConfigException.class, () -> SegmentationFitConfig.fromArgs(new String[]{"--cap", "lots"}));
        assertTrue(cap.getMessage().contains("--cap 'lots'") && cap.getMessage().contains("16g"), cap.getMessage());
        ConfigException two = assertThrows(ConfigException.class, () -> SegmentationFitConfig.fromArgs(new String[]{"--calibrate",
                "64x128,128x256"}));
        assertTrue(two.getMessage().contains("at least three"), two.getMessage());
        ConfigException order = assertThrows(ConfigException.class, () -> SegmentationFitConfig.fromArgs(new String[]{"--calibrate",
                "64x128,128x256,96x192"}));
        assertTrue(order.getMessage().contains("smallest first"), order.getMessage());
    }
}
