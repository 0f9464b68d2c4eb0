package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.ScheduleKind;
import org.infopro.spark.config.TrainConfig;

/**
 * How the local modules of a run are trained on Spark: each schedule owns its loop over the data, its
 * checkpoints' positions and the resumes it accepts, and reports through the run's listeners. The driver
 * ({@code TrainJob}) only sets up the {@link RunContext}, runs the schedule and writes the result.
 */
public sealed interface Schedule permits SimultaneousSchedule, SequentialSchedule, StaggeredSchedule {

    /** The schedule of {@code kind}. */
    static Schedule of(ScheduleKind kind) {
        return switch (kind) {
            case SIMULTANEOUS -> new SimultaneousSchedule();
            case SEQUENTIAL -> new SequentialSchedule();
            case STAGGERED -> new StaggeredSchedule();
        };
    }

    /**
     * Refuses, with the fix, a resume of the run in {@code out} at {@code p} that this schedule cannot continue
     * (checked before anything in --out is touched): by default, a finished run.
     */
    default void checkResumable(Checkpoint.Position p, TrainConfig cfg, Path out) {
        if (p.finished()) {
            throw new ConfigException("train --resume: the run in " + out + " has already finished; nothing to do. Start a new run.");
        }
    }

    /** Trains the run; what it planned or measured of its own goes into result.json. */
    ScheduleReport run(RunContext ctx);

    /** True when the run's last metrics line is already a validation of the composed network. */
    default boolean lastEpochValidatesComposed() {
        return false;
    }
}
