package org.infopro.data.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files in the real MNIST format (big-endian header, unsigned bytes), for tests. */
public final class IdxFixtures {
    private IdxFixtures() {
    }

    /** The bytes of an IDX file: magic 0x000008{rank}, dims, then payload. */
    public static byte[] idx(int[] dims, byte[] payload) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(bos);
            d.writeInt(0x00000800 | dims.length);
            for (int dim : dims) {
                d.writeInt(dim);
            }
            d.write(payload);
            d.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, byte[] content, boolean gzip) {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A generated MNIST-layout folder: {@code train} and {@code t10k} image/label pairs of 28x28 images.
     * Each image is a noisy class-dependent pattern (a bright horizontal band whose row depends on the
     * label), so a network can learn it; labels cycle through {@code classes}.
     */
    public static void writeDataset(Path dir, int trainCount, int testCount, int classes, boolean gzip, long seed) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Random r = new Random(seed);
        for (String prefix : new String[]{"train", "t10k"}) {
            int n = prefix.equals("train") ? trainCount : testCount;
            byte[] px = new byte[n * 28 * 28];
            byte[] lb = new byte[n];
            for (int i = 0; i < n; i++) {
                int label = (i * 7 + (prefix.equals("train") ? 0 : 3)) % classes;
                lb[i] = (byte) label;
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int band = 2 + label * 24 / Math.max(1, classes);
                        int v = (Math.abs(y - band) <= 1 ? 200 : 20) + r.nextInt(40);
                        px[i * 784 + y * 28 + x] = (byte) Math.min(255, v);
                    }
                }
            }
            String ext = gzip ? ".gz" : "";
            write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), idx(new int[]{n, 28, 28}, px), gzip);
            write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), idx(new int[]{n}, lb), gzip);
        }
    }

    /** The repository root (for the cached real data), from INFOPRO_ROOT set by the build. */
    public static Path repositoryRoot() {
        String root = System.getenv("INFOPRO_ROOT");
        return Path.of(root == null ? ".." : root);
    }

    /**
     * The cached real Fashion-MNIST, or else a generated IDX folder under {@code tmp} with {@code train} + {@code test}
     * records over 10 labels (gzipped, seed 11).
     */
    public static Path fashionMnistOrGenerated(Path tmp, int train, int test) {
        Path real = cachedFashionMnist();
        if (real != null) {
            return real;
        }
        Path dir = tmp.resolve("idx");
        writeDataset(dir, train, test, 10, true, 11);
        return dir;
    }

    /** The cached real Fashion-MNIST folder (submit/fetch-fashion-mnist.sh), or null when it is not there. */
    public static Path cachedFashionMnist() {
        Path p = repositoryRoot().resolve("data/raw/fashion-mnist");
        return Files.exists(p.resolve("train-images-idx3-ubyte.gz")) && Files.exists(p.resolve(".verified")) ? p : null;
    }
}
