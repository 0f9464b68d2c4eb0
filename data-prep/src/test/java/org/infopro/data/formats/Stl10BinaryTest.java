package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.infopro.data.formats.RecordAssertions.assertFixturePixels;
import static org.infopro.data.formats.RecordAssertions.assertMarker;
import static org.infopro.data.formats.RecordAssertions.assertSameRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Stl10BinaryTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void countsPerSplitAndUnlabeledOnlyWhenAsked(@TempDir Path dir) {
        SmallSetFixtures.stl10(dir, 5, 3, 2);
        SmallDataset without = Stl10Binary.open(dir.toString(), CONF, false);
        assertEquals(List.of("train", "test"), without.splits().stream().map(RecordSplit::split).toList());
        SmallDataset with = Stl10Binary.open(dir.toString(), CONF, true);
        assertEquals(5, with.split("train").count());
        assertEquals(3, with.split("test").count());
        assertEquals(2, with.split("unlabeled").count());
        assertEquals("stl-10", with.name());
        assertEquals(Stl10Binary.DEFAULT_LABEL_NAMES, with.labelNames());
    }

    @Test
    void columnMajorChannelsBecomeRowMajorHwcWithTheMarkerAtColumn5Row2(@TempDir Path dir) throws Exception {
        SmallSetFixtures.stl10(dir, 2, 1, 1);
        SmallDataset ds = Stl10Binary.open(dir.toString(), CONF, true);
        List<LabeledRecord> train = ds.split("train").read(0, 2, CONF);
        for (int i = 0; i < 2; i++) {
            assertFixturePixels(train.get(i).image(), i, 96);
            assertMarker(train.get(i).image());
        }
        assertFixturePixels(ds.split("unlabeled").read(0, 1, CONF).get(0).image(), 0, 96);
    }

    @Test
    void labelsOneToTenBecomeZeroToNineAndUnlabeledIsMinusOne(@TempDir Path dir) throws Exception {
        SmallSetFixtures.stl10(dir, 5, 1, 2);
        SmallDataset ds = Stl10Binary.open(dir.toString(), CONF, true);
        List<LabeledRecord> train = ds.split("train").read(0, 5, CONF);
        assertEquals(10, SmallSetFixtures.stlStoredLabel(3));
        for (int i = 0; i < 5; i++) {
            assertEquals(SmallSetFixtures.stlStoredLabel(i) - 1, train.get(i).label());
        }
        assertEquals(9, train.get(3).label());
        for (LabeledRecord r : ds.split("unlabeled").read(0, 2, CONF)) {
            assertEquals(LabeledRecord.UNLABELED, r.label());
            assertTrue(r.key().startsWith("unlabeled/0000000"), r.key());
        }
    }

    @Test
    void subRangeEqualsSliceOfFullRead(@TempDir Path dir) throws Exception {
        SmallSetFixtures.stl10(dir, 5, 1, 0);
        RecordSplit train = Stl10Binary.open(dir.toString(), CONF, false).split("train");
        assertSameRecords(train.read(0, 5, CONF).subList(1, 4), train.read(1, 4, CONF));
    }

    @Test
    void readsTheArchiveFolder(@TempDir Path dir) {
        SmallSetFixtures.stl10(dir.resolve(Stl10Binary.NESTED), 1, 1, 0);
        assertEquals(1, Stl10Binary.open(dir.toString(), CONF, false).split("test").count());
    }

    @Test
    void labelZeroIsRejectedWithFileAndRecord(@TempDir Path dir) throws Exception {
        SmallSetFixtures.stl10(dir, 3, 1, 0);
        Files.write(dir.resolve("train_y.bin"), new byte[]{1, 0, 2});
        RecordSplit train = Stl10Binary.open(dir.toString(), CONF, false).split("train");
        ConfigException e = assertThrows(ConfigException.class, () -> train.read(0, 3, CONF));
        assertTrue(e.getMessage().contains("train_y.bin: label 0 of record 1; STL-10 labels are 1..10"), e.getMessage());
    }

    @Test
    void labelFileOfAnotherLengthIsRejected(@TempDir Path dir) throws Exception {
        SmallSetFixtures.stl10(dir, 3, 1, 0);
        Files.write(dir.resolve("train_y.bin"), new byte[]{1, 2});
        ConfigException e = assertThrows(ConfigException.class, () -> Stl10Binary.open(dir.toString(), CONF, false));
        assertTrue(e.getMessage().contains("holds 3 images but"), e.getMessage());
        assertTrue(e.getMessage().contains("holds 2 labels"), e.getMessage());
    }

    @Test
    void unlabeledAskedForButMissingIsAClearError(@TempDir Path dir) {
        SmallSetFixtures.stl10(dir, 1, 1, 0);
        ConfigException e = assertThrows(ConfigException.class, () -> Stl10Binary.open(dir.toString(), CONF, true));
        assertTrue(e.getMessage().contains(dir + " lacks unlabeled_X.bin"), e.getMessage());
    }
}
