package org.infopro.spark.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Replace;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint that carries its config: the exact {@link ModuleState} of every module
 * ({@code <module>.state}: parameters with batch-norm statistics, updater state and counters; what a resume
 * loads), and {@code checkpoint.json} with the resolved config, the position (epoch, next step; the random
 * streams are functions of seed and position, so the position is their state), and a hash of the
 * architecture that a resume must match. The trained network as a DL4J model is the run's final export, not
 * part of the checkpoint.
 *
 * <p>Written into {@code .checkpoint.staging} beside the folder, {@code checkpoint.json} last, and put in place
 * with {@link Replace}: the old checkpoint is moved aside, the new one renamed in, the old one deleted. A driver
 * killed between the two renames leaves no {@code checkpoint/}, but a complete staging folder and the moved-aside
 * old one; {@link #read} resumes from the newer of them, and the next {@link #write} puts it back in place first.
 */
public final class Checkpoint {
    public static final String META = "checkpoint.json";
    private static final String STATE = ".state";
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);

    private Checkpoint() {
    }

    /** sha256 of the architecture: the network spec, every module's plan and the heads. */
    public static String architectureHash(ModuleStack.Setup setup) {
        String text = Json.line(List.of(setup.spec(), setup.plans(), setup.head()));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where training stands: the next step to run is {@code step} of epoch {@code epoch} (0-based) of
     * {@code stage}: always 0 for the simultaneous schedule, the module being trained (0-based) for the
     * sequential one (modules before it are finished and never trained again), the next wave for the
     * staggered one. {@code epoch == epochs} means the stage's training is done; {@code finished}, the whole run's.
     */
    public record Position(int stage, int epoch, int step, int stepsPerEpoch, int replicas, long rounds, boolean finished) {
        public Position done() {
            return new Position(stage, epoch, step, stepsPerEpoch, replicas, rounds, true);
        }
    }

    /** What a resume reads back. */
    public record Saved(Position position, String architectureSha256, Map<String, Object> config, List<ModuleState> states) {
    }

    /** Writes the checkpoint of {@code stack}'s modules; see {@link #write(Path, List, ModuleStack.Setup, Map, Position, Configuration)}. */
    public static Path write(Path dir, ModuleStack stack, ModuleStack.Setup setup, Map<String, Object> config,
                             Position position, Configuration conf) {
        return write(dir, stack.state(), setup, config, position, conf);
    }

    /** Writes the checkpoint of {@code states} (one per module of {@code setup}, in order) at {@code dir}, replacing the last one. */
    public static Path write(Path dir, List<ModuleState> states, ModuleStack.Setup setup, Map<String, Object> config,
                             Position position, Configuration conf) {
        if (states.size() != setup.plans().size()) {
            throw new IllegalArgumentException("checkpoint " + dir + ": " + states.size() + " module states for "
                    + setup.plans().size() + " modules; pass one state per module, in order");
        }
        FileSystem fs = Fs.of(dir, conf);
        Path staging = staging(dir);
        try {
            finishInterruptedReplace(fs, dir);
            fs.delete(staging, true);
            fs.mkdirs(staging);
            List<String> files = new java.util.ArrayList<>();
            for (int i = 0; i < states.size(); i++) {
                String name = setup.plans().get(i).name() + STATE;
                try (FSDataOutputStream out = fs.create(new Path(staging, name), true)) {
                    writeState(states.get(i), out);
                }
                files.add(name);
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("epochs_completed", position.epoch());
            meta.put("position", position);
            meta.put("architecture_sha256", architectureHash(setup));
            meta.put("spec", setup.spec());
            meta.put("plans", setup.plans());
            meta.put("modules", files);
            meta.put("config", config);
            // last, and atomically: its presence is what makes the staging folder a complete checkpoint
            Fs.writeStringAtomically(new Path(staging, META), Json.pretty(meta), conf);
            Replace.into(fs, staging, dir);
            for (Path old : Replace.movedAside(fs, dir)) {
                fs.delete(old, true); // left by an earlier kill; the new checkpoint is in place
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Path staging(Path dir) {
        return new Path(dir.getParent(), "." + dir.getName() + ".staging");
    }

    /**
     * The complete copy a kill left when it came between moving the old checkpoint aside and renaming the new
     * one in, or null. A complete staging folder was written by the latest write, so it is newer than anything
     * moved aside; of several moved-aside copies (kills in earlier writes), the one written last.
     */
    private static Path recoverable(FileSystem fs, Path dir) throws IOException {
        Path staging = staging(dir);
        if (fs.exists(new Path(staging, META))) {
            return staging;
        }
        Path newest = null;
        long newestTime = Long.MIN_VALUE;
        for (Path old : Replace.movedAside(fs, dir)) {
            Path meta = new Path(old, META);
            if (fs.exists(meta) && fs.getFileStatus(meta).getModificationTime() > newestTime) {
                newest = old;
                newestTime = fs.getFileStatus(meta).getModificationTime();
            }
        }
        return newest;
    }

    /** Puts the copy a kill left back at {@code dir}, so that reusing the staging folder never deletes the only complete checkpoint. */
    private static void finishInterruptedReplace(FileSystem fs, Path dir) throws IOException {
        if (fs.exists(new Path(dir, META))) {
            return;
        }
        Path copy = recoverable(fs, dir);
        if (copy != null) {
            fs.delete(dir, true);
            if (!fs.rename(copy, dir)) {
                throw new IOException("cannot put the checkpoint left at " + copy + " back at " + dir);
            }
        }
    }

    /**
     * Whether {@code dir} holds a checkpoint that {@link #read} can find (itself, or a complete copy beside it) of a run
     * that has not finished: one there is something to resume from.
     */
    @SuppressWarnings("unchecked")
    public static boolean unfinished(Path dir, Configuration conf) {
        try {
            Path from = Fs.exists(new Path(dir, META), conf) ? dir : recoverable(Fs.of(dir, conf), dir);
            if (from == null) {
                return false;
            }
            Map<String, Object> meta = Json.read(Fs.readString(new Path(from, META), conf), Map.class);
            return !Json.mapper().convertValue(meta.get("position"), Position.class).finished();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for a checkpoint at " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a checkpoint for a resume, refusing one of another architecture with a message naming what
     * differs (network spec, module plans or heads).
     */
    @SuppressWarnings("unchecked")
    public static Saved read(Path dir, ModuleStack.Setup setup, Configuration conf) {
        FileSystem fs = Fs.of(dir, conf);
        Path from = dir;
        if (!Fs.exists(new Path(dir, META), conf)) {
            try {
                from = recoverable(fs, dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot look for a checkpoint beside " + dir + ": " + e.getMessage(), e);
            }
            if (from == null) {
                throw new org.infopro.data.config.ConfigException("train --resume: no checkpoint at " + dir
                        + " (no " + META + ", and no complete copy beside it); start without --resume, or point --out at the run "
                        + "to continue.");
            }
        }
        Map<String, Object> meta = Json.read(Fs.readString(new Path(from, META), conf), Map.class);
        String want = architectureHash(setup);
        String have = String.valueOf(meta.get("architecture_sha256"));
        if (!want.equals(have)) {
            throw new org.infopro.data.config.ConfigException("train --resume: the checkpoint in " + dir
                    + " is of another architecture: " + differences(meta, setup)
                    + ". Resume with the run's own settings, or start a new run in another --out.");
        }
        Position pos = Json.mapper().convertValue(meta.get("position"), Position.class);
        if (!from.equals(dir)) {
            LOG.warn("checkpoint {} is missing: the run was killed while replacing it; resuming from the complete copy {} "
                    + "(epoch {}, step {})", dir, from, pos.epoch(), pos.step());
        }
        List<ModuleState> states = new java.util.ArrayList<>();
        for (var plan : setup.plans()) {
            Path p = new Path(from, plan.name() + STATE);
            try (java.io.InputStream in = fs.open(p)) {
                states.add(readState(new java.io.DataInputStream(new java.io.BufferedInputStream(in))));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read checkpoint state " + p + ": " + e.getMessage(), e);
            }
        }
        return new Saved(pos, have, (Map<String, Object>) meta.get("config"), states);
    }

    /** What differs between a checkpoint's recorded architecture and {@code setup}, field by field. */
    static String differences(Map<String, Object> meta, ModuleStack.Setup setup) {
        List<String> diffs = new java.util.ArrayList<>();
        Object spec = Json.mapper().convertValue(setup.spec(), Object.class);
        Object plans = Json.mapper().convertValue(setup.plans(), Object.class);
        if (!spec.equals(meta.get("spec"))) {
            diffs.add("network spec " + Json.line(meta.get("spec")) + " in the checkpoint vs " + Json.line(spec) + " now");
        }
        if (!plans.equals(meta.get("plans"))) {
            List<?> a = (List<?>) meta.get("plans");
            List<?> b = (List<?>) plans;
            diffs.add(a == null ? "no module plans in the checkpoint" : a.size() != b.size()
                    ? a.size() + " modules in the checkpoint vs " + b.size() + " now"
                    : "module plans differ (" + Json.line(a) + " vs " + Json.line(b) + ")");
        }
        if (diffs.isEmpty()) {
            diffs.add("auxiliary heads differ");
        }
        return String.join("; ", diffs);
    }

    static void writeState(ModuleState s, java.io.OutputStream raw) throws IOException {
        java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(raw));
        out.writeInt(s.module());
        out.writeInt(s.iterations());
        out.writeInt(s.epochs());
        out.writeInt(s.params().length);
        for (float f : s.params()) {
            out.writeFloat(f);
        }
        out.writeInt(s.updater().length);
        for (float f : s.updater()) {
            out.writeFloat(f);
        }
        out.flush();
    }

    static ModuleState readState(java.io.DataInputStream in) throws IOException {
        int module = in.readInt();
        int iterations = in.readInt();
        int epochs = in.readInt();
        float[] params = new float[in.readInt()];
        for (int i = 0; i < params.length; i++) {
            params[i] = in.readFloat();
        }
        float[] updater = new float[in.readInt()];
        for (int i = 0; i < updater.length; i++) {
            updater[i] = in.readFloat();
        }
        return new ModuleState(module, params, updater, iterations, epochs);
    }
}
