package org.infopro.spark.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs the progress line of every epoch (to the log, stderr: stdout carries only the job's result). */
public final class ProgressListener implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);

    @Override
    public void onEpoch(EpochMetrics line) {
        LOG.info(Progress.line(line));
    }
}
