package org.infopro.spark.schedule;

/** What a schedule reports of its own in result.json: the sequential spill plan, or the staggered pipeline's figures. */
public sealed interface ScheduleReport permits ScheduleReport.Simultaneous, SpillPlan, StaggeredReport {

    /** The simultaneous schedule has nothing of its own beyond the run's totals. */
    record Simultaneous() implements ScheduleReport {
    }
}
