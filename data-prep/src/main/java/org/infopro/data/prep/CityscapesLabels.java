package org.infopro.data.prep;

import java.util.List;

/**
 * The Cityscapes label table (cityscapesScripts {@code helpers/labels.py}): label ids 0..33 of
 * {@code *_gtFine_labelIds.png} to the 19 train ids; everything else is {@link #IGNORE}. Ids above 33 are
 * not Cityscapes classes: they are mapped to ignore and counted as unknown.
 */
public final class CityscapesLabels {
    public static final int IGNORE = 255;
    public static final int MAX_ID = 33;
    public static final List<String> TRAIN_NAMES = List.of("road", "sidewalk", "building", "wall", "fence", "pole",
            "traffic light", "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus",
            "train", "motorcycle", "bicycle");

    /** trainId by label id 0..33. */
    private static final int[] TRAIN_ID = {
            255, 255, 255, 255, 255, 255, 255, // 0 unlabeled .. 6 ground
            0, 1, // 7 road, 8 sidewalk
            255, 255, // 9 parking, 10 rail track
            2, 3, 4, // 11 building, 12 wall, 13 fence
            255, 255, 255, // 14 guard rail, 15 bridge, 16 tunnel
            5, // 17 pole
            255, // 18 polegroup
            6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 19 traffic light .. 28 bus
            255, 255, // 29 caravan, 30 trailer
            16, 17, 18, // 31 train, 32 motorcycle, 33 bicycle
    };

    private CityscapesLabels() {
    }

    public static int trainId(int labelId) {
        return labelId >= 0 && labelId <= MAX_ID ? TRAIN_ID[labelId] : IGNORE;
    }

    /**
     * Maps a labelIds mask to train ids in place and returns how many pixels held ids that are not Cityscapes
     * label ids (above 33).
     */
    public static long toTrainIds(byte[] mask) {
        long unknown = 0;
        for (int i = 0; i < mask.length; i++) {
            int id = mask[i] & 0xff;
            if (id > MAX_ID) {
                unknown++;
            }
            mask[i] = (byte) trainId(id);
        }
        return unknown;
    }
}
