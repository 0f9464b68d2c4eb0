package org.infopro.data.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Small helpers over Hadoop's FileSystem, so every path may be local, HDFS or S3A. */
public final class Fs {
    private Fs() {
    }

    public static FileSystem of(Path p, Configuration conf) {
        try {
            return p.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code p} with its file system's scheme and, when relative, resolved against this process's working folder:
     * what executors, whose working folders are elsewhere, must be given.
     */
    public static Path qualified(Path p, Configuration conf) {
        return of(p, conf).makeQualified(p);
    }

    public static boolean exists(Path p, Configuration conf) {
        try {
            return of(p, conf).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String readString(Path p, Configuration conf) {
        try (InputStream in = of(p, conf).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes through a temporary sibling and puts it in place with {@link Replace}, so a reader never sees a
     * half-written file and a failed rename keeps the old text.
     */
    public static void writeStringAtomically(Path p, String text, Configuration conf) {
        FileSystem fs = of(p, conf);
        Path tmp = tmpOf(p);
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            Replace.into(fs, tmp, p);
            for (Path stale : Replace.movedAside(fs, p)) { // left by a process killed before it deleted them
                fs.delete(stale, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * The text {@link #writeStringAtomically} last put at {@code p}, also when a kill interrupted a replacement
     * between its two renames: then {@code p} is missing, the new text is complete in its temporary file and the
     * old one is moved aside, and the new one is returned. Empty when there is no complete text (a first write
     * killed before its rename leaves only a partial temporary file, which is never read).
     */
    public static Optional<String> readStringRecovering(Path p, Configuration conf) {
        if (exists(p, conf)) {
            return Optional.of(readString(p, conf));
        }
        try {
            FileSystem fs = of(p, conf);
            List<Path> aside = Replace.movedAside(fs, p);
            if (aside.isEmpty()) {
                return Optional.empty();
            }
            if (fs.exists(tmpOf(p))) {
                return Optional.of(readString(tmpOf(p), conf));
            }
            Path newest = aside.get(0);
            for (Path a : aside) {
                if (fs.getFileStatus(a).getModificationTime() > fs.getFileStatus(newest).getModificationTime()) {
                    newest = a;
                }
            }
            return Optional.of(readString(newest, conf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + p + " beside it: " + e.getMessage(), e);
        }
    }

    private static Path tmpOf(Path p) {
        return new Path(p.getParent(), "." + p.getName() + ".tmp");
    }

    public static String sha256(Path p, Configuration conf) {
        try (InputStream in = of(p, conf).open(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
