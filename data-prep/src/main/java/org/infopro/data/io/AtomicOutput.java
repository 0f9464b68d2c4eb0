package org.infopro.data.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * An output folder that appears complete or not at all. Work is written into a hidden staging folder
 * beside the target; {@link #publish()} renames it into place, and {@link #close()} removes the staging
 * folder if publish never happened (a failed run leaves no partial dataset behind).
 */
public final class AtomicOutput implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AtomicOutput.class);
    private final Path target;
    private final Path staging;
    private final FileSystem fs;
    private final WriteMode mode;
    private boolean published;

    private AtomicOutput(Path target, WriteMode mode, Configuration conf) {
        // qualified: tasks on executors write into the staging folder, from working folders of their own
        this.target = Fs.qualified(target, conf);
        this.mode = mode;
        this.fs = Fs.of(this.target, conf);
        this.staging = new Path(this.target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
    }

    /**
     * Opens a staging folder for {@code target}, or returns null when {@code mode} is SKIP and the target
     * exists. Throws a {@link ConfigException} when the target exists and mode is ERROR.
     */
    public static AtomicOutput open(String target, WriteMode mode, Configuration conf) {
        Path t = new Path(target);
        if (t.getParent() == null) {
            throw new ConfigException("output path '" + target + "' has no parent folder; give a folder such as out/dataset.");
        }
        AtomicOutput out = new AtomicOutput(t, mode, conf);
        try {
            if (out.fs.exists(t)) {
                if (mode == WriteMode.SKIP) {
                    return null;
                }
                if (mode == WriteMode.ERROR) {
                    throw new ConfigException("output '" + target + "' already exists. Use --mode overwrite to replace it, "
                            + "--mode skip to keep it, or choose another --output.");
                }
            }
            warnAboutStaleStaging(out);
            out.fs.mkdirs(out.staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + target + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * A run killed with kill -9 (or a lost driver) cannot clean up: its hidden staging folder stays beside
     * the target, never mistaken for the dataset. Say so, so that the user can delete it; it is not deleted
     * here because another run may be writing it right now.
     */
    private static void warnAboutStaleStaging(AtomicOutput out) throws IOException {
        if (!out.fs.exists(out.target.getParent())) {
            return;
        }
        String prefix = "." + out.target.getName() + ".staging-";
        for (var st : out.fs.listStatus(out.target.getParent())) {
            if (st.getPath().getName().startsWith(prefix)) {
                LOG.warn("stale staging folder {} (from an earlier run that was killed, or one still running): "
                        + "it is not part of any dataset; delete it once no other run writes {}", st.getPath(), out.target);
            }
        }
    }

    /** Where the job writes; becomes {@link #target()} on publish. */
    public Path staging() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Moves the complete staging folder into place, replacing an old output only now ({@link Replace}). */
    public void publish() {
        try {
            Replace.into(fs, staging, target);
            published = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!published) {
            try {
                fs.delete(staging, true);
            } catch (IOException ignored) {
                // best effort: the staging folder is hidden and never read as a dataset
            }
        }
    }
}
