package org.infopro.spark.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;

/** metrics.jsonl, one JSON object per epoch; rewritten atomically after each epoch so readers never see half a line. */
public final class MetricsLog implements RunListener {
    private final Path path;
    private final Configuration conf;
    private final StringBuilder lines = new StringBuilder();

    public MetricsLog(Path path, Configuration conf) {
        this.path = path;
        this.conf = conf;
    }

    /**
     * Continues an existing log (a resumed run): its lines are kept and new ones follow, also when the driver was
     * killed while it replaced the file.
     */
    public static MetricsLog continuing(Path path, Configuration conf) {
        MetricsLog log = new MetricsLog(path, conf);
        Fs.readStringRecovering(path, conf).ifPresent(log.lines::append);
        return log;
    }

    public Path path() {
        return path;
    }

    @Override
    public void onEpoch(EpochMetrics line) {
        append(line);
    }

    public void append(Object record) {
        lines.append(Json.line(record)).append('\n');
        Fs.writeStringAtomically(path, lines.toString(), conf);
    }
}
