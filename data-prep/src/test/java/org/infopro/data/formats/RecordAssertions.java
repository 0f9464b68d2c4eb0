package org.infopro.data.formats;

import org.infopro.data.image.RgbImage;
import org.infopro.data.testing.SmallSetFixtures;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Assertions shared by the format tests. */
final class RecordAssertions {
    private RecordAssertions() {
    }

    /** Same keys, labels and pixels (records hold arrays, so their equals() compares identity). */
    static void assertSameRecords(List<LabeledRecord> expected, List<LabeledRecord> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            LabeledRecord e = expected.get(i);
            LabeledRecord a = actual.get(i);
            assertEquals(e.key(), a.key());
            assertEquals(e.label(), a.label(), e.key());
            assertEquals(e.image().width(), a.image().width());
            assertArrayEquals(e.image().pixels(), a.image().pixels(), e.key());
        }
    }

    /** Every sample of {@code img} is {@link SmallSetFixtures#sample} of image {@code index}, read row-major HWC. */
    static void assertFixturePixels(RgbImage img, long index, int side) {
        assertEquals(side, img.width());
        assertEquals(side, img.height());
        assertEquals(3, img.channels());
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                for (int c = 0; c < 3; c++) {
                    if (img.sample(x, y, c) != SmallSetFixtures.sample(index, x, y, c)) {
                        assertEquals(SmallSetFixtures.sample(index, x, y, c), img.sample(x, y, c),
                                "image " + index + " x=" + x + " y=" + y + " c=" + c);
                    }
                }
            }
        }
    }

    /** The marker colour sits at column 5, row 2, read straight from the HWC bytes. */
    static void assertMarker(RgbImage img) {
        int at = (SmallSetFixtures.MARK_Y * img.width() + SmallSetFixtures.MARK_X) * 3;
        assertEquals(SmallSetFixtures.MARK_RGB[0], img.pixels()[at] & 0xff);
        assertEquals(SmallSetFixtures.MARK_RGB[1], img.pixels()[at + 1] & 0xff);
        assertEquals(SmallSetFixtures.MARK_RGB[2], img.pixels()[at + 2] & 0xff);
        int transposed = (SmallSetFixtures.MARK_X * img.width() + SmallSetFixtures.MARK_Y) * 3;
        assertEquals(false, (img.pixels()[transposed] & 0xff) == SmallSetFixtures.MARK_RGB[0], "marker also at (x=2, y=5)");
    }
}
