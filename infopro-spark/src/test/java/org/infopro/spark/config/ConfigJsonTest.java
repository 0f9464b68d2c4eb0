package org.infopro.spark.config;

import org.infopro.data.io.Json;
import org.infopro.data.prep.IdxPrepConfig;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every configuration record survives a trip through the project's JSON dialect unchanged. */
class ConfigJsonTest {

    @Test
    void trainConfigRoundTrips() {
        for (String[] args : List.of(
                new String[]{"--dataset", "d", "--out", "o"},
                new String[]{"--dataset", "hdfs:///x", "--out", "o", "--depth", "110", "--splits", "infopro*-cifar10:k3",
                        "--lambda", "cifar10/infopro*", "--loss", "infopro-contrast", "--aux-net", "2c2f", "--lr", "0.8",
                        "--pad-to", "32", "--channels", "3", "--augment", "crop-flip", "--lr-schedule", "cosine-step",
                        "--warmup-epochs", "2.5"},
                new String[]{"--dataset", "d", "--out", "o", "--loss", "e2e", "--splits", "none", "--if-exists", "overwrite"},
                new String[]{"--dataset", "d", "--out", "o", "--loss", "greedy", "--splits", "infopro:k8", "--depth", "32"})) {
            TrainConfig c = TrainConfig.fromArgs(args);
            assertEquals(c, Json.read(Json.line(c), TrainConfig.class), String.join(" ", args));
        }
    }

    @Test
    void prepConfigRoundTrips() {
        IdxPrepConfig c = IdxPrepConfig.fromArgs(new String[]{"--input", "i", "--output", "o", "--dataset", "mnist",
                "--shards", "7", "--seed", "-3", "--compression", "zstd"});
        assertEquals(c, Json.read(Json.line(c), IdxPrepConfig.class));
    }

    @Test
    void modulePlansAndHeadsRoundTrip() {
        TrainConfig c = TrainConfig.fromArgs(new String[]{"--dataset", "d", "--out", "o", "--depth", "32",
                "--splits", "infopro:k4", "--lambda", "cifar10/infopro", "--loss", "infopro-contrast"});
        List<ModulePlan> plans = ModulePlan.plan(new ResNetSpec(32, 32, 32, 3, 10), c.splits(), c.effectiveLambda());
        for (ModulePlan p : plans) {
            ModulePlan back = Json.read(Json.line(p), ModulePlan.class);
            assertEquals(p.index(), back.index());
            assertEquals(p.weights(), back.weights());
            assertArrayEquals(p.outputShape(), back.outputShape());
        }
        assertEquals(c.head(), Json.read(Json.line(c.head()), HeadSpec.class));
    }
}
