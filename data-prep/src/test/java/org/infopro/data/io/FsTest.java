package org.infopro.data.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Fs#writeStringAtomically}: a replaced file is never missing because the new text could not be put in place. */
class FsTest {

    /** The local file system under the scheme {@code renamefails:}, where renaming a {@code .tmp} file fails. */
    public static final class TmpRenameFails extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("renamefails:///");
        }

        @Override
        public String getScheme() {
            return "renamefails";
        }

        @Override
        public boolean rename(Path src, Path dst) throws IOException {
            return !src.getName().endsWith(".tmp") && super.rename(src, dst);
        }
    }

    @Test
    void writingReplacesTheTextAndLeavesNoSiblings(@TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path file = tmp.resolve("result.json");
        Configuration conf = new Configuration();
        Fs.writeStringAtomically(new Path(file.toUri()), "old", conf);
        Fs.writeStringAtomically(new Path(file.toUri()), "new", conf);
        assertEquals("new", Files.readString(file));
        try (var names = Files.list(tmp)) {
            assertEquals(java.util.List.of("result.json"),
                    names.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList());
        }
    }

    @Test
    void aFailedRenameKeepsTheOldText(@TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path file = tmp.resolve("result.json");
        Files.writeString(file, "old");
        Configuration conf = new Configuration();
        conf.setClass("fs.renamefails.impl", TmpRenameFails.class, org.apache.hadoop.fs.FileSystem.class);
        conf.setBoolean("fs.renamefails.impl.disable.cache", true);
        Path p = new Path("renamefails://" + file.toAbsolutePath());

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Fs.writeStringAtomically(p, "new", conf));
        assertTrue(e.getMessage().contains("result.json"), e.getMessage());
        assertTrue(Files.exists(file), "the old result.json must still be there");
        assertEquals("old", Files.readString(file));
    }

    @Test
    void aReplacementKilledBetweenItsRenamesStillReadsBackTheNewText(@TempDir java.nio.file.Path tmp) throws IOException {
        Configuration conf = new Configuration();
        Path file = new Path(tmp.resolve("metrics.jsonl").toUri());
        // what a kill between Replace's two renames leaves: no file, the old text aside, the new one complete in .tmp
        Files.writeString(tmp.resolve(".metrics.jsonl.old-1"), "line 1\n");
        Files.writeString(tmp.resolve(".metrics.jsonl.tmp"), "line 1\nline 2\n");
        assertEquals("line 1\nline 2\n", Fs.readStringRecovering(file, conf).orElseThrow());
        Files.delete(tmp.resolve(".metrics.jsonl.tmp"));
        assertEquals("line 1\n", Fs.readStringRecovering(file, conf).orElseThrow(), "without the new text, the old one");
    }

    @Test
    void aFirstWriteKilledBeforeItsRenameIsNeverReadHalfWritten(@TempDir java.nio.file.Path tmp) throws IOException {
        Files.writeString(tmp.resolve(".metrics.jsonl.tmp"), "line 1\nli");
        assertTrue(Fs.readStringRecovering(new Path(tmp.resolve("metrics.jsonl").toUri()), new Configuration()).isEmpty());
    }

    @Test
    void aRelativeOutputIsQualifiedAgainstTheDriversWorkingFolderSoExecutorsElsewhereWriteTheSameStagingFolder() {
        Configuration conf = new Configuration();
        Path q = Fs.qualified(new Path("out/some-dataset"), conf);
        assertEquals("file", q.toUri().getScheme());
        assertEquals(java.nio.file.Path.of("out/some-dataset").toAbsolutePath().toString(), q.toUri().getPath());
        try (AtomicOutput out = AtomicOutput.open("target/fs-test-" + System.nanoTime() + "/dataset", WriteMode.ERROR, java.util.Map.of(), conf)) {
            assertTrue(out.staging().isAbsolute() && out.staging().toUri().getScheme().equals("file"), out.staging().toString());
            assertTrue(out.target().isAbsolute(), out.target().toString());
        }
    }
}
