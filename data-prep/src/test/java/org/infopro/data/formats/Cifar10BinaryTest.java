package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.infopro.data.formats.RecordAssertions.assertFixturePixels;
import static org.infopro.data.formats.RecordAssertions.assertMarker;
import static org.infopro.data.formats.RecordAssertions.assertSameRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Cifar10BinaryTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void countsPerSplitComeFromFileLengths(@TempDir Path dir) {
        SmallSetFixtures.cifar10(dir, 3, 4);
        SmallDataset ds = Cifar10Binary.open(dir.toString(), CONF);
        assertEquals("cifar-10", ds.name());
        assertEquals(List.of("train", "test"), ds.splits().stream().map(RecordSplit::split).toList());
        assertEquals(15, ds.split("train").count());
        assertEquals(4, ds.split("test").count());
        assertTrue(ds.split("train").source().contains("data_batch_5.bin"));
    }

    @Test
    void planarRecordsBecomeHwcRgbWithTheMarkerAtColumn5Row2(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 2, 2);
        List<LabeledRecord> train = Cifar10Binary.open(dir.toString(), CONF).split("train").read(0, 10, CONF);
        for (int i = 0; i < train.size(); i++) {
            assertFixturePixels(train.get(i).image(), i, 32);
            assertMarker(train.get(i).image());
        }
    }

    @Test
    void batchesAreConcatenatedInOrderWithStableKeysAndLabels(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 3, 4);
        SmallDataset ds = Cifar10Binary.open(dir.toString(), CONF);
        List<LabeledRecord> train = ds.split("train").read(0, 15, CONF);
        for (int i = 0; i < 15; i++) {
            assertEquals(String.format("train/%08d", i), train.get(i).key());
            assertEquals(SmallSetFixtures.cifarLabel(i), train.get(i).label());
        }
        assertEquals("test/00000003", ds.split("test").read(3, 4, CONF).get(0).key());
    }

    @Test
    void subRangeAcrossBatchBoundariesEqualsSliceOfFullRead(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 3, 4);
        RecordSplit train = Cifar10Binary.open(dir.toString(), CONF).split("train");
        List<LabeledRecord> all = train.read(0, 15, CONF);
        assertSameRecords(all.subList(2, 10), train.read(2, 10, CONF));
        assertSameRecords(all.subList(14, 15), train.read(14, 15, CONF));
        assertEquals(0, train.read(6, 6, CONF).size());
        assertThrows(IllegalArgumentException.class, () -> train.read(10, 16, CONF));
    }

    @Test
    void readsTheArchiveFolderAndLabelNamesFromBatchesMeta(@TempDir Path dir) {
        SmallSetFixtures.cifar10(dir.resolve(Cifar10Binary.NESTED), 1, 1);
        SmallDataset ds = Cifar10Binary.open(dir.toString(), CONF);
        assertEquals(SmallSetFixtures.CIFAR_NAMES, ds.labelNames());
    }

    @Test
    void standardLabelNamesWithoutBatchesMeta(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 1, 1);
        Files.delete(dir.resolve("batches.meta.txt"));
        assertEquals(Cifar10Binary.DEFAULT_LABEL_NAMES, Cifar10Binary.open(dir.toString(), CONF).labelNames());
    }

    @Test
    void fileThatIsNotWholeRecordsIsRejectedNamingTheFile(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 2, 2);
        byte[] b = Files.readAllBytes(dir.resolve("data_batch_3.bin"));
        Files.write(dir.resolve("data_batch_3.bin"), Arrays.copyOf(b, b.length - 100));
        ConfigException e = assertThrows(ConfigException.class, () -> Cifar10Binary.open(dir.toString(), CONF));
        assertTrue(e.getMessage().contains("data_batch_3.bin: 6046 bytes is not a whole number of CIFAR-10 records of 3073"),
                e.getMessage());
    }

    @Test
    void labelElevenIsRejectedWithFileAndRecordIndex(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 2, 3);
        byte[] b = Files.readAllBytes(dir.resolve("test_batch.bin"));
        b[2 * 3073] = 11;
        Files.write(dir.resolve("test_batch.bin"), b);
        RecordSplit test = Cifar10Binary.open(dir.toString(), CONF).split("test");
        assertEquals(2, test.read(0, 2, CONF).size());
        ConfigException e = assertThrows(ConfigException.class, () -> test.read(0, 3, CONF));
        assertTrue(e.getMessage().contains("test_batch.bin: record 2"), e.getMessage());
        assertTrue(e.getMessage().contains("label 11; CIFAR-10 labels are 0..9"), e.getMessage());
    }

    @Test
    void missingFilesAreListedWithWhereTheyWereExpected(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir, 1, 1);
        Files.delete(dir.resolve("data_batch_4.bin"));
        Files.delete(dir.resolve("test_batch.bin"));
        ConfigException e = assertThrows(ConfigException.class, () -> Cifar10Binary.open(dir.toString(), CONF));
        assertTrue(e.getMessage().contains(dir + " lacks data_batch_4.bin, test_batch.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("cifar-10-batches-bin lacks data_batch_1.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("cifar-10-binary.tar.gz"), e.getMessage());
    }
}
