package org.infopro.data.testing;

import org.infopro.data.image.RgbImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes small ImageNet and Cityscapes trees in their real on-disk layouts (folder names, file names,
 * label files), with real JPEG and PNG files, for the prep job's tests. Odd files (CMYK, truncated, ...)
 * come from {@link ImageFixtures}.
 */
public final class LayoutFixtures {
    /** Sorted wnids, so their class index is their position. */
    public static final List<String> WNIDS = List.of("n01440764", "n01443537", "n01484850");
    public static final List<String> WORDS = List.of("tench, Tinca tinca", "goldfish, Carassius auratus",
            "great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias");

    private LayoutFixtures() {
    }

    public static void write(Path p, byte[] bytes) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The colour of class {@code k}'s images: far apart, so JPEG error cannot confuse them. */
    public static int[] classColour(int k) {
        return new int[][]{{200, 30, 30}, {30, 200, 30}, {30, 30, 200}, {200, 200, 30}}[k % 4];
    }

    /**
     * An ImageNet tree in the Kaggle (LOC) layout: {@code train/<wnid>/<wnid>_<n>.JPEG} ({@code perClass} each,
     * 40x30 solid class colours), flat {@code val/ILSVRC2012_val_<8 digits>.JPEG} ({@code val} images, class
     * i mod 3), {@code LOC_synset_mapping.txt} and {@code LOC_val_solution.csv}.
     */
    public static void imagenetLoc(Path root, int perClass, int val) {
        StringBuilder mapping = new StringBuilder();
        for (int k = 0; k < WNIDS.size(); k++) {
            mapping.append(WNIDS.get(k)).append(' ').append(WORDS.get(k)).append('\n');
            int[] c = classColour(k);
            for (int i = 0; i < perClass; i++) {
                write(root.resolve("train").resolve(WNIDS.get(k)).resolve(WNIDS.get(k) + "_" + (i + 1) + ".JPEG"),
                        ImageFixtures.jpeg(ImageFixtures.solid(40 + i, 30, c[0], c[1], c[2]), 90));
            }
        }
        write(root.resolve("LOC_synset_mapping.txt"), mapping.toString().getBytes());
        StringBuilder solution = new StringBuilder("ImageId,PredictionString\n");
        for (int i = 0; i < val; i++) {
            String id = String.format("ILSVRC2012_val_%08d", i + 1);
            int k = i % WNIDS.size();
            int[] c = classColour(k);
            write(root.resolve("val").resolve(id + ".JPEG"), ImageFixtures.jpeg(ImageFixtures.solid(36, 48, c[0], c[1], c[2]), 90));
            solution.append(id).append(',').append(WNIDS.get(k)).append(" 1 2 30 40 ").append(WNIDS.get(k)).append(" 5 5 9 9\n");
        }
        write(root.resolve("LOC_val_solution.csv"), solution.toString().getBytes());
    }

    /** A Cityscapes labelIds mask: left half {@code leftId}, right half {@code rightId}, bottom row ego vehicle (1). */
    public static RgbImage labelIds(int w, int h, int leftId, int rightId) {
        byte[] m = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = (byte) (y == h - 1 ? 1 : x < w / 2 ? leftId : rightId);
            }
        }
        return new RgbImage(w, h, 1, m);
    }

    /**
     * One Cityscapes frame: {@code leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png} and, if
     * {@code mask} is non-null, {@code gtFine/.../<stem>_gtFine_labelIds.png} plus the other gtFine files
     * (color, instanceIds, polygons), which prep must ignore.
     */
    public static void cityscapesFrame(Path root, String split, String city, int seq, int frame, RgbImage image,
                                       RgbImage mask) {
        String stem = String.format("%s_%06d_%06d", city, seq, frame);
        write(root.resolve("leftImg8bit").resolve(split).resolve(city).resolve(stem + "_leftImg8bit.png"), ImageFixtures.png(image));
        if (mask != null) {
            Path gt = root.resolve("gtFine").resolve(split).resolve(city);
            write(gt.resolve(stem + "_gtFine_labelIds.png"), ImageFixtures.png(mask));
            write(gt.resolve(stem + "_gtFine_color.png"), ImageFixtures.png(image));
            write(gt.resolve(stem + "_gtFine_instanceIds.png"), ImageFixtures.png(mask));
            write(gt.resolve(stem + "_gtFine_polygons.json"), "{\"imgHeight\":0,\"imgWidth\":0,\"objects\":[]}".getBytes());
        }
    }
}
