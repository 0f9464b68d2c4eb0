package org.infopro.data.io;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Replaces a file or folder with a complete new version so that, wherever the process is killed, one complete
 * version stays on disk: the old one is moved aside to a hidden sibling, the new one is renamed into place,
 * then the old one is deleted. Deleting first and renaming second would leave nothing between the two steps.
 * A kill between the two renames leaves the target missing, the new version where it was written and the old
 * one under {@link #movedAside}; a reader that must survive that (a checkpoint) looks there.
 */
public final class Replace {
    private Replace() {
    }

    /** Puts {@code complete} at {@code target}, replacing what is there only once the new version is in place. */
    public static void into(FileSystem fs, Path complete, Path target) throws IOException {
        if (!fs.exists(target)) {
            rename(fs, complete, target);
            return;
        }
        Path old = new Path(target.getParent(), asidePrefix(target) + UUID.randomUUID());
        if (!fs.rename(target, old)) {
            throw new IOException("cannot move the old " + target + " aside to " + old);
        }
        if (!fs.rename(complete, target)) {
            fs.rename(old, target);
            throw new IOException("rename " + complete + " -> " + target + " failed");
        }
        fs.delete(old, true);
    }

    /** Old versions of {@code target} that a kill left moved aside, in no particular order. */
    public static List<Path> movedAside(FileSystem fs, Path target) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.exists(target.getParent())) {
            return out;
        }
        String prefix = asidePrefix(target);
        for (FileStatus st : fs.listStatus(target.getParent())) {
            if (st.getPath().getName().startsWith(prefix)) {
                out.add(st.getPath());
            }
        }
        return out;
    }

    private static String asidePrefix(Path target) {
        return "." + target.getName() + ".old-";
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }
}
