package org.infopro.data.prep;

import org.apache.spark.util.LongAccumulator;
import org.infopro.data.io.ProgressTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver-side progress line for a long split: inputs done of the total, rate, ETA and quarantined so far, every
 * few seconds, from accumulators the executors add to (task retries may over-count slightly; the final counts come
 * from the data, not from here).
 */
final class PrepProgress {
    private static final Logger LOG = LoggerFactory.getLogger(PrepProgress.class);

    private PrepProgress() {
    }

    static ProgressTimer start(String job, String split, long total, LongAccumulator done, LongAccumulator quarantined, int seconds) {
        return new ProgressTimer(LOG, "prep-progress", seconds, t -> job + ": " + split + ": "
                + t.counts(done.value(), total, "inputs") + ", " + quarantined.value() + " quarantined");
    }
}
