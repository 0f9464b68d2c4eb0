package org.infopro.data.rehearsal;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.infopro.data.io.Fs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** How the rehearsal generators write their trees: many new files, from a pool of threads, into a staging folder. */
final class TreeFiles {
    private static final Logger LOG = LoggerFactory.getLogger(TreeFiles.class);

    private TreeFiles() {
    }

    /**
     * Drops the tasks not yet started and waits for the running ones, so that no thread writes into the staging folder
     * after a failed run has deleted it.
     */
    static void stop(ExecutorService pool, String job) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.warn("{}: writing threads still running after 5 minutes", job);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The task's result; its exception as it was thrown. */
    static <T> T await(Future<T> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the tree", e);
        }
    }

    /**
     * The file system that writes the files: for the local file system its raw form, because the checksummed one
     * would put a hidden {@code .crc} beside each image, which no real tree has.
     */
    static FileSystem files(FileSystem fs) {
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    static void mkdirs(FileSystem fs, Path dir) {
        try {
            if (fs instanceof RawLocalFileSystem local) {
                Files.createDirectories(local.pathToFile(dir).toPath());
            } else if (!fs.mkdirs(dir)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a new file. Local files go through java.nio: Hadoop's local create sets permissions file by file, and
     * without Hadoop's native library that forks a chmod per file (about 40 images/s instead of thousands).
     */
    static void write(FileSystem fs, Path file, byte[] content) {
        try {
            if (fs instanceof RawLocalFileSystem local) {
                Files.write(local.pathToFile(file).toPath(), content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return;
            }
            try (FSDataOutputStream out = fs.create(file, false)) {
                out.write(content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void writeText(FileSystem fs, Path file, String text) {
        write(fs, file, text.getBytes(StandardCharsets.UTF_8));
    }

    static InputFile describe(Path p, Configuration conf) {
        try {
            return new InputFile(p.toString(), Fs.of(p, conf).getFileStatus(p).getLen(), Fs.sha256(p, conf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + p + ": " + e.getMessage(), e);
        }
    }

    /** This build's, Hadoop's and Java's versions, for a generator's record. */
    static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        String own = TreeFiles.class.getPackage().getImplementationVersion();
        v.put("infopro", own == null ? "dev" : own);
        v.put("hadoop", org.apache.hadoop.util.VersionInfo.getVersion());
        v.put("java", System.getProperty("java.version"));
        return v;
    }

    /** Seconds since {@code since} (System.nanoTime), to the millisecond. */
    static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e6) / 1e3;
    }
}
