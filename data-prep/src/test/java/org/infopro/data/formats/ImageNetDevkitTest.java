package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageNetDevkitTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void idOrderDiffersFromSortedWnidOrderAndValidationLabelsMapThroughWnids(@TempDir Path dir) throws Exception {
        SmallSetFixtures.devkit(dir);
        ImageNetDevkit.Devkit kit = ImageNetDevkit.read(dir.toString(), CONF);

        assertEquals(List.of(1, 2, 3, 4), List.copyOf(kit.idToWnid().keySet()));
        assertEquals(SmallSetFixtures.DEVKIT_WNIDS, List.copyOf(kit.idToWnid().values()));
        List<String> sorted = List.of("n01000001", "n02000002", "n03000003", "n04000004");
        assertEquals(sorted, kit.sortedWnids());
        assertNotEquals(List.copyOf(kit.idToWnid().values()), kit.sortedWnids(), "the fixture must exercise the trap");

        // ground truth IDs 3,1,4,2,1,3 -> wnids by ID -> class indices by sorted wnid
        assertEquals(List.of("n04000004", "n03000003", "n02000002", "n01000001", "n03000003", "n04000004"), kit.valWnids());
        Map<String, Integer> index = kit.classIndexByWnid();
        List<Integer> classes = new ArrayList<>();
        for (String w : kit.valWnids()) {
            classes.add(index.get(w));
        }
        assertEquals(List.of(3, 2, 1, 0, 2, 3), classes);
        List<Integer> naive = SmallSetFixtures.DEVKIT_VAL_IDS.stream().map(id -> id - 1).toList();
        assertNotEquals(naive, classes, "ID - 1 is not the class index");
    }

    @Test
    void onlyLeafSynsetsAreClassesWithTheirWords(@TempDir Path dir) throws Exception {
        SmallSetFixtures.devkit(dir);
        ImageNetDevkit.Devkit kit = ImageNetDevkit.read(dir.toString(), CONF);
        assertEquals(4, kit.idToWnid().size());
        assertEquals(4, kit.wnidToWords().size());
        assertEquals(SmallSetFixtures.words("n02000002"), kit.wnidToWords().get("n02000002"));
        assertTrue(!kit.wnidToWords().containsKey("n00000005"));
    }

    @Test
    void acceptsTheDevkitFolderOrItsParent(@TempDir Path dir) throws Exception {
        Path kit = SmallSetFixtures.devkit(dir);
        assertEquals(ImageNetDevkit.read(dir.toString(), CONF), ImageNetDevkit.read(kit.toString(), CONF));
    }

    @Test
    void groundTruthIdThatIsNoClassIsAClearError(@TempDir Path dir) throws Exception {
        Path kit = SmallSetFixtures.devkit(dir);
        Files.writeString(kit.resolve(ImageNetDevkit.VAL_GROUND_TRUTH), "1\n2\n5\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ImageNetDevkit.read(dir.toString(), CONF));
        assertTrue(e.getMessage().contains("ILSVRC2012_validation_ground_truth.txt: line 3 is '5'; expected a class ID 1..4"),
                e.getMessage());
    }

    @Test
    void missingMetaIsAClearError(@TempDir Path dir) throws Exception {
        Path kit = SmallSetFixtures.devkit(dir);
        Files.delete(kit.resolve(ImageNetDevkit.META));
        ConfigException e = assertThrows(ConfigException.class, () -> ImageNetDevkit.read(dir.toString(), CONF));
        assertTrue(e.getMessage().contains("ILSVRC2012_devkit_t12 lacks data/meta.mat"), e.getMessage());
    }
}
