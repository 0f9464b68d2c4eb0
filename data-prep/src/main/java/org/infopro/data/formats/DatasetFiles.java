package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Locating a dataset's published files and reading byte ranges of them through Hadoop's FileSystem. */
final class DatasetFiles {
    private DatasetFiles() {
    }

    /**
     * The folder holding the {@code required} files: {@code dir} itself or its subfolder {@code nested}
     * (the folder the release archive unpacks to; null when there is none). Otherwise a {@link ConfigException} naming what is
     * missing from both places and how to get it.
     */
    static String locate(String dir, String nested, List<String> required, String what, String fix, Configuration conf) {
        List<String> candidates = nested == null ? List.of(dir) : List.of(dir, new Path(dir, nested).toString());
        List<String> problems = new ArrayList<>();
        for (String c : candidates) {
            List<String> missing = new ArrayList<>();
            for (String f : required) {
                if (!Fs.exists(new Path(c, f), conf)) {
                    missing.add(f);
                }
            }
            if (missing.isEmpty()) {
                return c;
            }
            problems.add(c + " lacks " + String.join(", ", missing));
        }
        throw new ConfigException(what + ": expected " + String.join(", ", required) + " in " + dir
                + (nested == null ? "" : " or in " + new Path(dir, nested)) + ", but " + String.join("; ", problems)
                + ". " + fix);
    }

    /** The path of {@code name} inside {@code dir}, as a string. */
    static String child(String dir, String name) {
        return new Path(dir, name).toString();
    }

    static boolean exists(String dir, String name, Configuration conf) {
        return Fs.exists(new Path(dir, name), conf);
    }

    static long length(String file, Configuration conf) {
        Path p = new Path(file);
        try {
            FileStatus st = Fs.of(p, conf).getFileStatus(p);
            return st.getLen();
        } catch (FileNotFoundException e) {
            throw new ConfigException(file + ": no such file.");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file + ": " + e.getMessage(), e);
        }
    }

    /** The non-blank lines of a small text file, trimmed. */
    static List<String> lines(String file, Configuration conf) {
        List<String> out = new ArrayList<>();
        for (String line : Fs.readString(new Path(file), conf).split("\r?\n")) {
            if (!line.isBlank()) {
                out.add(line.trim());
            }
        }
        return out;
    }

    /** {@code len} bytes of {@code file} from {@code offset}. */
    static byte[] readRange(String file, long offset, int len, Configuration conf) throws IOException {
        Path p = new Path(file);
        try (FSDataInputStream in = Fs.of(p, conf).open(p)) {
            in.seek(offset);
            byte[] b = new byte[len];
            in.readFully(b);
            return b;
        } catch (EOFException e) {
            throw new ConfigException(file + ": truncated: cannot read " + len + " bytes at offset " + offset
                    + ". Was the file changed after the dataset was opened? Re-fetch it.");
        }
    }
}
