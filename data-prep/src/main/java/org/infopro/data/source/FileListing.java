package org.infopro.data.source;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.source.PrepSource.SplitWork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Listing helpers shared by the file-based layouts (ImageNet, Cityscapes). */
final class FileListing {
    private FileListing() {
    }

    /** Immediate children of {@code dir}, sorted by name; {@code dirs} selects folders or files. */
    static List<FileStatus> children(Path dir, Configuration conf, boolean dirs) {
        try {
            FileStatus[] all = Fs.of(dir, conf).listStatus(dir);
            Arrays.sort(all, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            List<FileStatus> out = new ArrayList<>();
            for (FileStatus s : all) {
                String name = s.getPath().getName();
                if (s.isDirectory() == dirs && !name.startsWith(".") && !name.startsWith("_")) {
                    out.add(s);
                }
            }
            return out;
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigException("folder " + dir + " does not exist: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    static boolean isDir(Path p, Configuration conf) {
        try {
            return Fs.of(p, conf).getFileStatus(p).isDirectory();
        } catch (java.io.FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + p + ": " + e.getMessage(), e);
        }
    }

    /** The file name without its last extension. */
    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Caches the listing, applies {@code --limit} (first N keys in key order) and maps every input to its
     * outcome with the processor.
     */
    static SplitWork work(String split, JavaRDD<PrepInput> listed, Broadcast<SerializableWritable<Configuration>> conf,
                          InputProcessor processor, int limit) {
        JavaRDD<PrepInput> inputs = listed;
        if (limit > 0) {
            inputs = listed.sortBy(PrepInput::key, true, listed.getNumPartitions())
                    .zipWithIndex().filter(t -> t._2() < limit).map(t -> t._1());
        }
        inputs = inputs.persist(StorageLevel.MEMORY_AND_DISK());
        long n = inputs.count();
        // About 500 inputs per task (a retry redoes little), but at least two tasks per core.
        int parts = (int) Math.max(1, Math.max(Math.min(n, inputs.context().defaultParallelism() * 2L), Math.min(n / 500, 20_000)));
        JavaRDD<PrepOutcome> outcomes = inputs.repartition(parts).map(in -> processor.file(in, conf.value().value()));
        return new SplitWork(split, outcomes, n);
    }
}
