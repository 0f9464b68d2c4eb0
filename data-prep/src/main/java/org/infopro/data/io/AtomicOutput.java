package org.infopro.data.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An output folder that appears complete or not at all. Work is written into a hidden staging folder
 * beside the target; {@link #publish()} stamps it with the job's config ({@link #STAMP}) and renames it into place,
 * and {@link #close()} removes the staging folder if publish never happened (a failed run leaves no partial dataset
 * behind). So an existing target is always complete, and its stamp says what made it: {@code --if-exists skip-ok}
 * keeps it only when that was the same config.
 */
public final class AtomicOutput implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AtomicOutput.class);
    private final Path target;
    private final Path staging;
    private final FileSystem fs;
    private final WriteMode mode;
    private final Map<String, Object> config;
    private final Configuration conf;
    private boolean published;

    /** The file in every published output that records the config that made it, and its {@link ConfigHash}. */
    public static final String STAMP = "_output.json";

    /** What {@link #STAMP} holds. */
    public record Stamp(String configHash, Map<String, Object> config, String publishedAt) {
    }

    /**
     * Datasets published before stamps existed carry their config in the manifest's {@code config} field; reading it
     * keeps {@code skip-ok} working over them (the literal name, since this package knows no shard format).
     */
    private static final String LEGACY_CONFIG = "_manifest.json";

    private record Legacy(Map<String, Object> config) {
    }

    private AtomicOutput(Path target, WriteMode mode, Map<String, Object> config, Configuration conf) {
        // qualified: tasks on executors write into the staging folder, from working folders of their own
        this.target = Fs.qualified(target, conf);
        this.mode = mode;
        this.config = config;
        this.conf = conf;
        this.fs = Fs.of(this.target, conf);
        this.staging = new Path(this.target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
    }

    /**
     * Opens a staging folder for {@code target}, for a job of {@code config} (as its manifest or result records it),
     * or returns null when {@code mode} is SKIP_OK and the target was made with the same config. Throws a
     * {@link ConfigException} when the target exists and mode is ERROR, or is SKIP_OK and the target was made with
     * another config or not by a job of this project.
     */
    public static AtomicOutput open(String target, WriteMode mode, Map<String, Object> config, Configuration conf) {
        Path t = new Path(target);
        if (t.getParent() == null) {
            throw new ConfigException("output path '" + target + "' has no parent folder; give a folder such as out/dataset.");
        }
        if (!WriteMode.ATOMIC.contains(mode)) {
            throw new IllegalArgumentException("--if-exists " + mode.label() + " is not for an atomic output");
        }
        AtomicOutput out = new AtomicOutput(t, mode, config, conf);
        try {
            if (out.fs.exists(t)) {
                if (mode == WriteMode.SKIP_OK && out.sameConfigAsExisting()) {
                    return null;
                }
                if (mode == WriteMode.ERROR) {
                    throw new ConfigException("output '" + target + "' already exists. Use --if-exists overwrite to replace it, "
                            + "--if-exists skip-ok to keep it when it was made with the same options, or choose another --output.");
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

    /**
     * Whether the existing (hence complete) target was made with this config; throws when it was made with
     * another one, or carries no stamp, since replacing someone else's output is never a retry.
     */
    private boolean sameConfigAsExisting() throws IOException {
        Path stamp = new Path(target, STAMP);
        Map<String, Object> made;
        if (fs.exists(stamp)) {
            made = Json.read(Fs.readString(stamp, conf), Stamp.class).config();
        } else if (fs.exists(new Path(target, LEGACY_CONFIG))) {
            made = Json.read(Fs.readString(new Path(target, LEGACY_CONFIG), conf), Legacy.class).config();
        } else {
            throw new ConfigException("output '" + target + "' exists but has no " + STAMP + ", so it was not published by this "
                    + "version of infopro and --if-exists skip-ok cannot tell whether it is this job's. Use --if-exists overwrite "
                    + "to replace it, or choose another --output.");
        }
        if (ConfigHash.of(config).equals(ConfigHash.of(made))) {
            return true;
        }
        throw new ConfigException("output '" + target + "' was made with other options (" + String.join("; ",
                ConfigHash.differences(made, config)) + "); --if-exists skip-ok keeps only an output of the same "
                + "options. Use --if-exists overwrite to replace it, or choose another --output.");
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
        // no checksum sibling: the output may be a tree other tools read (make-ilsvrc), and the folder's rename below is
        // what makes the stamp visible, so it needs no atomic write of its own
        FileSystem raw = fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
        try (FSDataOutputStream o = raw.create(new Path(staging, STAMP), true)) {
            o.write(Json.pretty(new Stamp(ConfigHash.of(config), config, Instant.now().toString())).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + new Path(staging, STAMP) + ": " + e.getMessage(), e);
        }
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
