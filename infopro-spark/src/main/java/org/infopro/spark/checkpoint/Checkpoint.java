package org.infopro.spark.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.util.ModelSerializer;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;

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
 * A training checkpoint that carries its config: one DL4J model file per module (parameters, batch-norm
 * statistics, updater state), the exact {@link ModuleState} of every module ({@code <module>.state}: what a
 * resume loads), and {@code checkpoint.json} with the resolved config, the position (epoch, next step; the
 * random streams are functions of seed and position, so the position is their state), and a hash of the
 * architecture that a resume must match. Written into a staging folder and renamed into place.
 */
public final class Checkpoint {
    public static final String META = "checkpoint.json";
    private static final String STATE = ".state";

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

    public static Path write(Path dir, ModuleStack stack, ModuleStack.Setup setup, Map<String, Object> config,
                             Position position, Configuration conf) {
        FileSystem fs = Fs.of(dir, conf);
        Path staging = new Path(dir.getParent(), "." + dir.getName() + ".staging");
        try {
            fs.delete(staging, true);
            fs.mkdirs(staging);
            List<LocalModule> modules = stack.modules();
            List<String> files = new java.util.ArrayList<>();
            for (LocalModule m : modules) {
                String name = m.plan().name() + ".zip";
                try (FSDataOutputStream out = fs.create(new Path(staging, name), true)) {
                    ModelSerializer.writeModel(m.network(), out, true);
                }
                files.add(name);
                try (FSDataOutputStream out = fs.create(new Path(staging, m.plan().name() + STATE), true)) {
                    writeState(m.state(), out);
                }
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("epochs_completed", position.epoch());
            meta.put("position", position);
            meta.put("architecture_sha256", architectureHash(setup));
            meta.put("spec", setup.spec());
            meta.put("plans", setup.plans());
            meta.put("modules", files);
            meta.put("config", config);
            Fs.writeStringAtomically(new Path(staging, META), Json.pretty(meta), conf);
            fs.delete(dir, true);
            if (!fs.rename(staging, dir)) {
                throw new IOException("rename " + staging + " -> " + dir + " failed");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a checkpoint for a resume, refusing one of another architecture with a message naming what
     * differs (network spec, module plans or heads).
     */
    @SuppressWarnings("unchecked")
    public static Saved read(Path dir, ModuleStack.Setup setup, Configuration conf) {
        Path metaPath = new Path(dir, META);
        if (!Fs.exists(metaPath, conf)) {
            throw new org.infopro.data.config.ConfigException("train --resume: no checkpoint at " + dir
                    + " (no " + META + "); start without --resume, or point --out at the run to continue.");
        }
        Map<String, Object> meta = Json.read(Fs.readString(metaPath, conf), Map.class);
        String want = architectureHash(setup);
        String have = String.valueOf(meta.get("architecture_sha256"));
        if (!want.equals(have)) {
            throw new org.infopro.data.config.ConfigException("train --resume: the checkpoint in " + dir
                    + " is of another architecture: " + differences(meta, setup)
                    + ". Resume with the run's own settings, or start a new run in another --out.");
        }
        Position pos = Json.mapper().convertValue(meta.get("position"), Position.class);
        List<ModuleState> states = new java.util.ArrayList<>();
        FileSystem fs = Fs.of(dir, conf);
        for (var plan : setup.plans()) {
            Path p = new Path(dir, plan.name() + STATE);
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
