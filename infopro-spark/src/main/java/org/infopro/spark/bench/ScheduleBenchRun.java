package org.infopro.spark.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import org.infopro.spark.schedule.SpillMode;
import org.infopro.spark.train.Schedule;

import java.util.Locale;

/** The runs of the schedules benchmark: each schedule, the sequential one both with spill and with recompute. */
public enum ScheduleBenchRun {
    SIMULTANEOUS(Schedule.SIMULTANEOUS, SpillMode.AUTO),
    SEQUENTIAL_SPILL(Schedule.SEQUENTIAL, SpillMode.SPILL),
    SEQUENTIAL_RECOMPUTE(Schedule.SEQUENTIAL, SpillMode.RECOMPUTE),
    STAGGERED(Schedule.STAGGERED, SpillMode.AUTO);

    private final Schedule schedule;
    private final SpillMode spill;

    ScheduleBenchRun(Schedule schedule, SpillMode spill) {
        this.schedule = schedule;
        this.spill = spill;
    }

    public Schedule schedule() {
        return schedule;
    }

    /** How the sequential schedule hands outputs on (the others ignore it). */
    public SpillMode spill() {
        return spill;
    }

    /** The run's name on the command line, in results and as its output folder: {@code sequential-spill}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
