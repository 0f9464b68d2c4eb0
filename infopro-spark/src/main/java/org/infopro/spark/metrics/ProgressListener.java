package org.infopro.spark.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs the progress line of every epoch (to the log, stderr: stdout carries only the job's result). */
public final class ProgressListener implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);

    private final int classes;

    /** For a dataset of {@code classes} classes (top-5 is shown only above 5). */
    public ProgressListener(int classes) {
        this.classes = classes;
    }

    @Override
    public void onEpoch(EpochMetrics line) {
        LOG.info(Progress.line(line, classes));
    }
}
