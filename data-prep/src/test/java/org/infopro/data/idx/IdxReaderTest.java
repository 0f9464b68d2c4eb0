package org.infopro.data.idx;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    private static final Configuration CONF = new Configuration();

    private static byte[] pixels(int n) {
        byte[] p = new byte[n * 4 * 3];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 31 + 7);
        }
        return p;
    }

    private static org.apache.hadoop.fs.Path hp(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    @Test
    void readsRawAndGzippedFilesIdentically(@TempDir Path dir) {
        byte[] content = IdxFixtures.idx(new int[]{5, 4, 3}, pixels(5));
        IdxFixtures.write(dir.resolve("raw"), content, false);
        IdxFixtures.write(dir.resolve("zipped.bin"), content, true);
        for (String name : new String[]{"raw", "zipped.bin"}) {
            IdxHeader h = IdxReader.inspect(hp(dir.resolve(name)), CONF, 3);
            assertArrayEquals(new int[]{5, 4, 3}, h.dims());
            byte[][] rec = IdxReader.readRecords(hp(dir.resolve(name)), CONF, 3, 2, 2);
            assertArrayEquals(Arrays.copyOfRange(pixels(5), 24, 36), rec[0]);
            assertArrayEquals(Arrays.copyOfRange(pixels(5), 36, 48), rec[1]);
        }
    }

    @Test
    void wrongMagicNumberIsAClearError(@TempDir Path dir) {
        byte[] content = IdxFixtures.idx(new int[]{5, 4, 3}, pixels(5));
        content[2] = 0x0D; // float elements, not unsigned bytes
        IdxFixtures.write(dir.resolve("bad"), content, false);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("bad")), CONF, 3));
        assertTrue(e.getMessage().contains("bad IDX magic number 0x00000d03"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 0x00000803"), e.getMessage());
    }

    @Test
    void labelsFileWhereImagesAreExpectedIsAClearError(@TempDir Path dir) {
        IdxFixtures.write(dir.resolve("labels"), IdxFixtures.idx(new int[]{3}, new byte[]{1, 2, 3}), false);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("labels")), CONF, 3));
        assertTrue(e.getMessage().contains("bad IDX magic"), e.getMessage());
    }

    @Test
    void truncatedFileIsAClearError(@TempDir Path dir) throws Exception {
        byte[] content = IdxFixtures.idx(new int[]{5, 4, 3}, pixels(5));
        IdxFixtures.write(dir.resolve("short"), Arrays.copyOf(content, content.length - 10), false);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("short")), CONF, 3));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("declares 5 records (60 bytes) but the file holds 50 bytes"), e.getMessage());

        byte[] gz = Files.readAllBytes(writeGz(dir, content));
        Files.write(dir.resolve("short.gz"), Arrays.copyOf(gz, gz.length / 2));
        ConfigException g = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("short.gz")), CONF, 3));
        assertTrue(g.getMessage().contains("truncated"), g.getMessage());
    }

    @Test
    void emptyFileIsAClearError(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("empty"), new byte[0]);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("empty")), CONF, 1));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void trailingBytesAreReported(@TempDir Path dir) {
        byte[] content = IdxFixtures.idx(new int[]{5, 4, 3}, pixels(5));
        IdxFixtures.write(dir.resolve("long"), Arrays.copyOf(content, content.length + 3), false);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxReader.inspect(hp(dir.resolve("long")), CONF, 3));
        assertEquals(true, e.getMessage().contains("3 unexpected bytes"), e.getMessage());
    }

    private static Path writeGz(Path dir, byte[] content) {
        Path p = dir.resolve("full.gz");
        IdxFixtures.write(p, content, true);
        return p;
    }
}
