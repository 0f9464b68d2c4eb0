package org.infopro.spark.schedule;

import java.util.List;

/**
 * result.json's figures of the staggered pipeline: its shape (K modules x R replicas per module, the tasks each
 * wave's Spark job runs and the most that trained in one wave, steps per epoch and per wave, chunks, waves, the
 * K-1 waves it takes to fill and the lag of module k behind module 1), the mean wave time, images/s, the busy
 * fraction of the K x R tasks, the hand-off bytes per chunk (all replicas) and each module's task seconds (summed
 * over its replicas).
 */
public record StaggeredReport(int modules, int replicas, int tasksPerWave, int peakTrainingTasks, int stepsPerEpoch,
                              int stepsPerWave, int chunksPerEpoch, int chunks, int waves, int fillWaves, int lagWaves,
                              int lagSteps, double meanWaveS, double imagesPerS, double moduleBusyFraction,
                              long handoffBytesPerChunk, List<Double> moduleTaskS)
        implements ScheduleReport {
}
