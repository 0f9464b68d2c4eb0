package org.infopro.spark.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;

/** metrics.jsonl, one JSON object per epoch; rewritten atomically after each epoch so readers never see half a line. */
public final class MetricsLog {
    private final Path path;
    private final Configuration conf;
    private final StringBuilder lines = new StringBuilder();

    public MetricsLog(Path path, Configuration conf) {
        this.path = path;
        this.conf = conf;
    }

    public Path path() {
        return path;
    }

    public void append(Object record) {
        lines.append(Json.line(record)).append('\n');
        Fs.writeStringAtomically(path, lines.toString(), conf);
    }
}
