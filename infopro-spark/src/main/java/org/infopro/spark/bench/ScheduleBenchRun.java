package org.infopro.spark.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.config.ScheduleKind;

import java.util.Locale;

/** The runs of the schedules benchmark: each schedule, the sequential one both with spill and with recompute. */
public enum ScheduleBenchRun {
    SIMULTANEOUS(ScheduleKind.SIMULTANEOUS, SpillMode.AUTO),
    SEQUENTIAL_SPILL(ScheduleKind.SEQUENTIAL, SpillMode.SPILL),
    SEQUENTIAL_RECOMPUTE(ScheduleKind.SEQUENTIAL, SpillMode.RECOMPUTE),
    STAGGERED(ScheduleKind.STAGGERED, SpillMode.AUTO);

    private final ScheduleKind schedule;
    private final SpillMode spill;

    ScheduleBenchRun(ScheduleKind schedule, SpillMode spill) {
        this.schedule = schedule;
        this.spill = spill;
    }

    public ScheduleKind schedule() {
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
