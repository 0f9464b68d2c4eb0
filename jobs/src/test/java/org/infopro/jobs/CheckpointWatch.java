package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** How the fault tests wait for a running train to reach the point where they disturb it. */
final class CheckpointWatch {
    private CheckpointWatch() {
    }

    /**
     * Waits until the run folder {@code run}'s checkpoint position satisfies {@code when}, while {@code driver} lives, for
     * at most {@code minutes}; says whether it got there.
     */
    static boolean awaitPosition(Process driver, Path run, Predicate<JsonNode> when, int minutes) throws InterruptedException {
        Path meta = run.resolve("checkpoint/checkpoint.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        while (driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            if (Files.exists(meta)) {
                try {
                    if (when.test(Json.mapper().readTree(Files.readString(meta)).get("position"))) {
                        return true;
                    }
                } catch (IOException | RuntimeException racingTheRename) {
                    // the checkpoint is being replaced; read it again
                }
            }
        }
        return false;
    }
}
