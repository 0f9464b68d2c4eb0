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
 * statistics, updater state) and {@code checkpoint.json} with the resolved config, the epoch, and a hash
 * of the architecture that a resume must match. Written into a staging folder and renamed into place.
 */
public final class Checkpoint {
    public static final String META = "checkpoint.json";

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

    public static Path write(Path dir, ModuleStack stack, ModuleStack.Setup setup, Map<String, Object> config, int epoch,
                             Configuration conf) {
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
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("epochs_completed", epoch);
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
}
