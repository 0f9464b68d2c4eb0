package org.infopro.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.ConfigHash;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.spark.checkpoint.Checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What {@code train} finds in {@code --out} before it touches it, and what {@code --if-exists} makes of that: start,
 * resume from the checkpoint, or keep a finished run. A folder counts as a run when it holds result.json, metrics.jsonl
 * or a checkpoint; anything else that is not empty is never deleted, whatever the mode.
 */
final class RunFolder {
    /** What to do with the run folder. */
    enum Action {
        /** Train from the start in an empty folder (created, or emptied first). */
        START,
        /** Continue from the checkpoint. */
        RESUME,
        /** Keep the finished run as it is. */
        SKIP
    }

    private final Path out;
    private final Configuration conf;
    private final FileSystem fs;

    RunFolder(Path out, Configuration conf) {
        this.out = out;
        this.conf = conf;
        this.fs = Fs.of(out, conf);
    }

    /** Whether {@code out} is missing or empty. */
    static boolean isEmpty(Path out, Configuration conf) {
        try {
            FileSystem fs = Fs.of(out, conf);
            return !fs.exists(out) || fs.listStatus(out).length == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at --out " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decides what {@code mode} does with {@code --out}, and empties it when the answer is a fresh start over an
     * old run. {@code config} is the run's resolved config ({@code TrainConfig.asMap}).
     */
    Action prepare(WriteMode mode, Map<String, Object> config) {
        try {
            if (isEmpty(out, conf)) {
                fs.mkdirs(out);
                return Action.START;
            }
            if (mode == WriteMode.OVERWRITE) {
                return restart("--if-exists overwrite");
            }
            if (mode == WriteMode.ERROR) {
                throw new ConfigException("train: --out " + out + " already exists and is not empty. Use --if-exists resume to "
                        + "continue it (or start it if it has no checkpoint), --if-exists skip-ok to keep it when it finished ok "
                        + "with the same options, --if-exists overwrite to replace it, or choose another --out.");
            }
            if (!isRun()) {
                throw new ConfigException("train: --out " + out + " is not empty and holds no run (no " + TrainJob.RESULT + ", "
                        + TrainJob.METRICS + " or " + TrainJob.CHECKPOINT + "/); --if-exists " + mode.label() + " never deletes "
                        + "it. Choose another --out, or empty it.");
            }
            JsonNode result = result();
            Map<String, Object> made = result != null ? Json.mapper().convertValue(result.path("config"), Map.class) : null;
            if (result != null && Status.OK.label().equals(result.path("status").asText())) {
                requireSameOptions(made, config, "finished ok");
                return Action.SKIP;
            }
            Path checkpoint = new Path(out, TrainJob.CHECKPOINT);
            if (mode == WriteMode.RESUME && Checkpoint.unfinished(checkpoint, conf)) {
                return Action.RESUME;
            }
            if (made != null) {
                requireSameOptions(made, config, "ended " + result.path("status").asText());
            }
            // resume: a run killed after its final checkpoint but before result.json has nothing left to resume
            return restart("--if-exists " + mode.label() + " over a run that did not finish ok"
                    + (mode == WriteMode.RESUME ? " and left no checkpoint to continue" : ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare --out " + out + ": " + e.getMessage(), e);
        }
    }

    /** A retry is the same command line: a run of other options in the same --out is someone else's, never replaced. */
    private void requireSameOptions(Map<String, Object> made, Map<String, Object> config, String how) {
        List<String> diff = ConfigHash.differences(made, config);
        if (!diff.isEmpty()) {
            throw new ConfigException("train: --out " + out + " holds a run that " + how + " with other options (" + String.join("; ", diff)
                    + "); --if-exists skip-ok and resume act only on a run of the same options. Choose another --out, or use "
                    + "--if-exists overwrite to replace it.");
        }
    }

    private boolean isRun() throws IOException {
        for (String name : List.of(TrainJob.RESULT, TrainJob.METRICS, TrainJob.CHECKPOINT)) {
            if (fs.exists(new Path(out, name))) {
                return true;
            }
        }
        return false;
    }

    private JsonNode result() {
        Path p = new Path(out, TrainJob.RESULT);
        return Fs.exists(p, conf) ? Json.read(Fs.readString(p, conf), JsonNode.class) : null;
    }

    private Action restart(String why) throws IOException {
        org.slf4j.LoggerFactory.getLogger(RunFolder.class).info("[train] {}: emptying {} and starting the run afresh", why, out);
        fs.delete(out, true);
        fs.mkdirs(out);
        return Action.START;
    }
}
