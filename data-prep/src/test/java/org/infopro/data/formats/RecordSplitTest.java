package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.infopro.data.formats.RecordAssertions.assertSameRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RecordSplitTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void everySplitSurvivesJavaSerializationAsExecutorsReceiveIt(@TempDir Path dir) throws Exception {
        SmallSetFixtures.cifar10(dir.resolve("cifar"), 1, 2);
        SmallSetFixtures.stl10(dir.resolve("stl"), 2, 1, 1);
        SmallSetFixtures.svhn(dir.resolve("svhn"), 2, 2, 2, true);
        List<RecordSplit> splits = new ArrayList<>();
        splits.addAll(Cifar10Binary.open(dir.resolve("cifar").toString(), CONF).splits());
        splits.addAll(Stl10Binary.open(dir.resolve("stl").toString(), CONF, true).splits());
        splits.addAll(SvhnMat.open(dir.resolve("svhn").toString(), CONF, true).splits());
        assertEquals(2 + 3 + 3, splits.size());
        for (RecordSplit s : splits) {
            RecordSplit copy = roundTrip(s);
            assertEquals(s.split(), copy.split());
            assertEquals(s.source(), copy.source());
            assertEquals(s.count(), copy.count());
            assertSameRecords(s.read(0, s.count(), CONF), copy.read(0, copy.count(), CONF));
        }
    }

    private static RecordSplit roundTrip(RecordSplit s) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            return (RecordSplit) in.readObject();
        }
    }
}
