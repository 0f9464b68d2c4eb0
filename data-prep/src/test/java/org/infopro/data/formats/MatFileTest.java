package org.infopro.data.formats;

import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.MatWriter;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatFileTest {

    /** A 2x3x2 uint8 array, a 2x2 double matrix, strings in both encodings, a struct array and a cell. */
    private static MatWriter everyKind(ByteOrder order, boolean compress) {
        byte[] cube = new byte[12];
        for (int i = 0; i < cube.length; i++) {
            cube[i] = (byte) (200 + i);
        }
        List<String> fields = List.of("id", "name");
        List<Map<String, MatWriter.Value>> elements = List.of(
                Map.of("id", MatWriter.Doubles.scalar(7), "name", MatWriter.Chars.of("seven")),
                Map.of("id", MatWriter.Doubles.scalar(-1.5), "name", new MatWriter.Chars("minus", true)),
                Map.of("id", new MatWriter.Doubles(new int[]{0, 0}, new double[0], false), "name", MatWriter.Chars.of("")));
        return new MatWriter(order, compress)
                .add("cube", new MatWriter.Uint8(new int[]{2, 3, 2}, cube))
                .add("m", new MatWriter.Doubles(new int[]{2, 2}, new double[]{1.25, -2, 3e10, 0.5}, false))
                .add("tiny", new MatWriter.Uint8(new int[]{1, 3}, new byte[]{1, 2, (byte) 255}))
                .add("small", new MatWriter.Doubles(new int[]{1, 4}, new double[]{0, 10, 200, 255}, true))
                .add("s", new MatWriter.Struct(new int[]{1, 3}, fields, elements))
                .add("c", new MatWriter.Cell(new int[]{2, 1}, List.of(MatWriter.Chars.of("one"), MatWriter.Doubles.scalar(2))))
                .add("utf16", new MatWriter.Chars("wnid n01440764", true))
                .add("utf8", MatWriter.Chars.of("tench, Tinca tinca"));
    }

    private static Map<String, MatArray> read(byte[] file) throws Exception {
        return MatFile.read(new ByteArrayInputStream(file), "test.mat");
    }

    @Test
    void readsNumericCharStructAndCellArrays() throws Exception {
        Map<String, MatArray> vars = read(everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes());
        assertEquals(List.of("cube", "m", "tiny", "small", "s", "c", "utf16", "utf8"), List.copyOf(vars.keySet()));

        MatArray cube = vars.get("cube");
        assertEquals(MatClass.UINT8, cube.matClass());
        assertArrayEquals(new int[]{2, 3, 2}, cube.dims());
        assertEquals(211, cube.get(11));
        assertEquals((byte) 205, cube.bytes()[5]);

        MatArray m = vars.get("m");
        assertEquals(MatClass.DOUBLE, m.matClass());
        assertArrayEquals(new double[]{1.25, -2, 3e10, 0.5}, m.doubles());

        MatArray s = vars.get("s");
        assertEquals(List.of("id", "name"), s.fieldNames());
        assertEquals(3, s.numel());
        assertEquals(7, s.field(0, "id").get(0));
        assertEquals("seven", s.field(0, "name").string());
        assertEquals(-1.5, s.field(1, "id").get(0));
        assertEquals("minus", s.field(1, "name").string());
        assertEquals(0, s.field(2, "id").numel());
        assertEquals("", s.field(2, "name").string());

        MatArray c = vars.get("c");
        assertEquals(MatClass.CELL, c.matClass());
        assertEquals("one", c.cell(0).string());
        assertEquals(2, c.cell(1).get(0));
        assertEquals("wnid n01440764", vars.get("utf16").string());
        assertEquals("tench, Tinca tinca", vars.get("utf8").string());
    }

    @Test
    void smallDataElementsAndUint8StoredDoublesAreRead() throws Exception {
        Map<String, MatArray> vars = read(everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes());
        assertArrayEquals(new byte[]{1, 2, (byte) 255}, vars.get("tiny").bytes());
        MatArray small = vars.get("small");
        assertEquals(MatClass.DOUBLE, small.matClass());
        assertArrayEquals(new double[]{0, 10, 200, 255}, small.doubles());
    }

    @Test
    void compressedAndUncompressedFilesGiveIdenticalArrays() throws Exception {
        byte[] plain = everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes();
        byte[] zipped = everyKind(ByteOrder.LITTLE_ENDIAN, true).toBytes();
        assertFalse(Arrays.equals(plain, zipped));
        assertSameArrays(read(plain), read(zipped));
    }

    @Test
    void bigEndianFilesReadTheSameArrays() throws Exception {
        byte[] big = everyKind(ByteOrder.BIG_ENDIAN, false).toBytes();
        assertEquals('M', big[126]);
        assertEquals('I', big[127]);
        assertSameArrays(read(everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes()), read(big));
        assertSameArrays(read(everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes()),
                read(everyKind(ByteOrder.BIG_ENDIAN, true).toBytes()));
        assertEquals(3e10, read(big).get("m").get(2));
    }

    @Test
    void streamedSlabsEqualTheSliceOfTheWholeArray() throws Exception {
        for (boolean compress : new boolean[]{false, true}) {
            // 30 images: the skip to record 23 crosses several 64 KiB steps
            byte[] file = SmallSetFixtures.svhnMat(30, compress).toBytes();
            byte[] all = read(file).get("X").bytes();
            byte[] slab = MatFile.readUint8Slabs(new ByteArrayInputStream(file), "t.mat", "X", 23, 27);
            assertArrayEquals(Arrays.copyOfRange(all, 23 * 3072, 27 * 3072), slab, "compressed=" + compress);
            assertArrayEquals(Arrays.copyOfRange(all, 0, 3072),
                    MatFile.readUint8Slabs(new ByteArrayInputStream(file), "t.mat", "X", 0, 1));
            assertEquals(0, MatFile.readUint8Slabs(new ByteArrayInputStream(file), "t.mat", "X", 30, 30).length);
            assertThrows(IllegalArgumentException.class,
                    () -> MatFile.readUint8Slabs(new ByteArrayInputStream(file), "t.mat", "X", 29, 31));
        }
    }

    @Test
    void listReadsNamesClassesAndDimensionsOnly() throws Exception {
        List<MatFile.Variable> vars = MatFile.list(new ByteArrayInputStream(SmallSetFixtures.svhnMat(4, true).toBytes()), "t.mat");
        assertEquals(2, vars.size());
        assertEquals("X", vars.get(0).name());
        assertEquals(MatClass.UINT8, vars.get(0).matClass());
        assertArrayEquals(new int[]{32, 32, 3, 4}, vars.get(0).dims());
        assertEquals("y (double 4x1)", vars.get(1).toString());
    }

    @Test
    void readSkipsUnwantedVariables() throws Exception {
        Map<String, MatArray> vars = MatFile.read(new ByteArrayInputStream(SmallSetFixtures.svhnMat(4, true).toBytes()),
                "t.mat", "y"::equals);
        assertEquals(List.of("y"), List.copyOf(vars.keySet()));
        assertEquals(4, vars.get("y").numel());
    }

    @Test
    void missingVariableIsAClearError() {
        byte[] file = SmallSetFixtures.svhnMat(2, true).toBytes();
        ConfigException e = assertThrows(ConfigException.class,
                () -> MatFile.readUint8Slabs(new ByteArrayInputStream(file), "train_32x32.mat", "images", 0, 1));
        assertTrue(e.getMessage().contains("train_32x32.mat: no variable 'images'; the file holds [X, y]"), e.getMessage());
    }

    @Test
    void notAMatFileIsAClearError() {
        byte[] text = new byte[200];
        System.arraycopy("hello world".getBytes(StandardCharsets.US_ASCII), 0, text, 0, 11);
        ConfigException e = assertThrows(ConfigException.class, () -> read(text));
        assertTrue(e.getMessage().contains("test.mat: not a Level 5 MAT-file: its header starts 'hello world"), e.getMessage());
        ConfigException tooShort = assertThrows(ConfigException.class, () -> read(new byte[10]));
        assertTrue(tooShort.getMessage().contains("shorter than the 128-byte MAT-file header"), tooShort.getMessage());
    }

    @Test
    void version73HdfFileIsRejectedWithAHint() {
        byte[] file = everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes();
        System.arraycopy("MATLAB 7.3".getBytes(StandardCharsets.US_ASCII), 0, file, 0, 10);
        ConfigException e = assertThrows(ConfigException.class, () -> read(file));
        assertTrue(e.getMessage().contains("version 7.3 MAT-file (HDF5)"), e.getMessage());
        assertTrue(e.getMessage().contains("'-v7'"), e.getMessage());
    }

    @Test
    void badEndianIndicatorIsAClearError() {
        byte[] file = everyKind(ByteOrder.LITTLE_ENDIAN, false).toBytes();
        file[126] = 'X';
        ConfigException e = assertThrows(ConfigException.class, () -> read(file));
        assertTrue(e.getMessage().contains("bad endian indicator"), e.getMessage());
    }

    @Test
    void truncatedFilesAreClearErrors() {
        for (boolean compress : new boolean[]{false, true}) {
            byte[] file = SmallSetFixtures.svhnMat(3, compress).toBytes();
            byte[] cut = Arrays.copyOf(file, file.length / 2);
            ConfigException e = assertThrows(ConfigException.class, () -> read(cut), "compressed=" + compress);
            assertTrue(e.getMessage().contains("test.mat: truncated"), e.getMessage());
        }
    }

    @Test
    void corruptCompressedDataIsAClearError() {
        byte[] file = SmallSetFixtures.svhnMat(3, true).toBytes();
        for (int i = 140; i < 180; i++) {
            file[i] = (byte) 0xAA;
        }
        ConfigException e = assertThrows(ConfigException.class, () -> read(file));
        assertTrue(e.getMessage().contains("test.mat: corrupt compressed data") || e.getMessage().contains("test.mat: malformed"),
                e.getMessage());
    }

    private static void assertSameArrays(Map<String, MatArray> a, Map<String, MatArray> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertSameArray(a.get(k), b.get(k));
        }
    }

    private static void assertSameArray(MatArray a, MatArray b) {
        assertEquals(a.toString(), b.toString());
        assertArrayEquals(a.dims(), b.dims());
        switch (a.matClass()) {
            case CHAR -> assertEquals(a.string(), b.string());
            case CELL -> {
                for (int i = 0; i < a.numel(); i++) {
                    assertSameArray(a.cell(i), b.cell(i));
                }
            }
            case STRUCT -> {
                assertEquals(a.fieldNames(), b.fieldNames());
                for (int i = 0; i < a.numel(); i++) {
                    for (String f : a.fieldNames()) {
                        assertSameArray(a.field(i, f), b.field(i, f));
                    }
                }
            }
            default -> assertArrayEquals(a.doubles(), b.doubles(), a.toString());
        }
    }
}
