package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.MatWriter;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.infopro.data.formats.RecordAssertions.assertFixturePixels;
import static org.infopro.data.formats.RecordAssertions.assertMarker;
import static org.infopro.data.formats.RecordAssertions.assertSameRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvhnMatTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void countsPerSplitAndExtraOnlyWhenAsked(@TempDir Path dir) throws Exception {
        SmallSetFixtures.svhn(dir, 12, 3, 4, true);
        SmallDataset without = SvhnMat.open(dir.toString(), CONF, false);
        assertEquals(List.of("train", "test"), without.splits().stream().map(RecordSplit::split).toList());
        SmallDataset with = SvhnMat.open(dir.toString(), CONF, true);
        assertEquals(12, with.split("train").count());
        assertEquals(3, with.split("test").count());
        assertEquals(4, with.split("extra").count());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), with.labelNames());
    }

    @Test
    void label10IsTheDigitZero(@TempDir Path dir) throws Exception {
        SmallSetFixtures.svhn(dir, 12, 1, 0, true);
        List<LabeledRecord> train = SvhnMat.open(dir.toString(), CONF, false).split("train").read(0, 12, CONF);
        assertEquals(10, SmallSetFixtures.svhnStoredLabel(9));
        assertEquals(0, train.get(9).label());
        for (int i = 0; i < 12; i++) {
            assertEquals(SmallSetFixtures.svhnStoredLabel(i) % 10, train.get(i).label());
            assertEquals(String.format("train/%08d", i), train.get(i).key());
        }
    }

    @Test
    void columnMajorImagesBecomeRowMajorHwcWithTheMarkerAtColumn5Row2(@TempDir Path dir) throws Exception {
        for (boolean compress : new boolean[]{false, true}) {
            Path d = dir.resolve("compressed-" + compress);
            SmallSetFixtures.svhn(d, 3, 2, 0, compress);
            List<LabeledRecord> test = SvhnMat.open(d.toString(), CONF, false).split("test").read(0, 2, CONF);
            for (int i = 0; i < 2; i++) {
                assertFixturePixels(test.get(i).image(), i, 32);
                assertMarker(test.get(i).image());
            }
        }
    }

    @Test
    void subRangeEqualsSliceOfFullReadCompressedOrNot(@TempDir Path dir) throws Exception {
        SmallSetFixtures.svhn(dir.resolve("z"), 9, 2, 0, true);
        SmallSetFixtures.svhn(dir.resolve("plain"), 9, 2, 0, false);
        RecordSplit z = SvhnMat.open(dir.resolve("z").toString(), CONF, false).split("train");
        RecordSplit plain = SvhnMat.open(dir.resolve("plain").toString(), CONF, false).split("train");
        List<LabeledRecord> all = z.read(0, 9, CONF);
        assertSameRecords(all, plain.read(0, 9, CONF));
        assertSameRecords(all.subList(3, 7), z.read(3, 7, CONF));
        assertSameRecords(all.subList(8, 9), plain.read(8, 9, CONF));
    }

    @Test
    void extraAskedForButMissingIsAClearError(@TempDir Path dir) {
        SmallSetFixtures.svhn(dir, 2, 2, 0, true);
        ConfigException e = assertThrows(ConfigException.class, () -> SvhnMat.open(dir.toString(), CONF, true));
        assertTrue(e.getMessage().contains(dir + " lacks extra_32x32.mat"), e.getMessage());
    }

    @Test
    void labelOutside1To10IsAClearError(@TempDir Path dir) {
        SmallSetFixtures.svhn(dir, 2, 2, 0, true);
        new MatWriter(ByteOrder.LITTLE_ENDIAN, true)
                .add("X", new MatWriter.Uint8(new int[]{32, 32, 3, 2}, new byte[2 * 3072]))
                .add("y", MatWriter.Doubles.column(3, 11))
                .write(dir.resolve("test_32x32.mat"));
        ConfigException e = assertThrows(ConfigException.class, () -> SvhnMat.open(dir.toString(), CONF, false));
        assertTrue(e.getMessage().contains("test_32x32.mat: label 11.0 of record 1; SVHN labels are 1..10"), e.getMessage());
    }

    @Test
    void fullNumbersFileOrWrongShapeIsAClearError(@TempDir Path dir) {
        SmallSetFixtures.svhn(dir, 2, 2, 0, true);
        new MatWriter(ByteOrder.LITTLE_ENDIAN, false)
                .add("X", new MatWriter.Uint8(new int[]{28, 28, 3, 2}, new byte[2 * 28 * 28 * 3]))
                .add("y", MatWriter.Doubles.column(1, 2))
                .write(dir.resolve("train_32x32.mat"));
        ConfigException e = assertThrows(ConfigException.class, () -> SvhnMat.open(dir.toString(), CONF, false));
        assertTrue(e.getMessage().contains("train_32x32.mat: X is X (uint8 28x28x3x2); expected uint8 32x32x3xN"), e.getMessage());
    }
}
