package org.infopro.spark.metrics;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundProgressTest {

    @Test
    void stepsOfTasksStillRunningReachTheDriverWithTheHeartbeatsAndEndedTasksCountOnce() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("RoundProgressTest")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.executor.heartbeatInterval", "200ms")
                .getOrCreate();
        try (RoundProgress progress = new RoundProgress(spark.sparkContext(), "test round", 10, 4, 0)) {
            var steps = progress.steps();
            JavaFutureAction<List<Integer>> job = JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(List.of(0, 1), 2).map(x -> {
                        for (int i = 0; i < 5; i++) {
                            steps.add(1);
                        }
                        Thread.sleep(4000);
                        return x;
                    }).collectAsync();
            long deadline = System.nanoTime() + 3_500_000_000L;
            while (progress.done() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(job.isDone(), "the tasks still sleep");
            assertEquals(10, progress.done(), "both running tasks' 5 steps, from heartbeats");
            job.get();
            Thread.sleep(500);
            assertEquals(10, progress.done(), "ended tasks replace their running values, not add to them");
            assertTrue(spark.sparkContext().statusTracker().getActiveJobIds().length == 0);
        } finally {
            spark.stop();
        }
    }
}
