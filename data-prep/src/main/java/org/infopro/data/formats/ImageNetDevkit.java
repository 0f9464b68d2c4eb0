package org.infopro.data.formats;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.config.ConfigException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ILSVRC2012 development kit ({@code ILSVRC2012_devkit_t12}): the class list in {@code data/meta.mat}
 * and the validation labels in {@code data/ILSVRC2012_validation_ground_truth.txt}.
 *
 * <p><b>Trap:</b> the devkit numbers classes by {@code ILSVRC2012_ID} (1..1000), and that order is
 * <em>not</em> the sorted-wnid order. Class indices in the training set folders (and in every common
 * pipeline, e.g. torchvision's {@code ImageFolder}) come from sorting the wnids. Map ground-truth IDs to
 * wnids with {@link Devkit#idToWnid()} and then to class indices with {@link Devkit#classIndexByWnid()};
 * never use {@code ILSVRC2012_ID - 1} as a class index.
 */
public final class ImageNetDevkit {
    public static final String DEVKIT_FOLDER = "ILSVRC2012_devkit_t12";
    public static final String META = "data/meta.mat";
    public static final String VAL_GROUND_TRUTH = "data/ILSVRC2012_validation_ground_truth.txt";
    private static final String FIX = "Download ILSVRC2012_devkit_t12.tar.gz and unpack it there.";

    private ImageNetDevkit() {
    }

    /**
     * What the devkit says about the classes and the validation set.
     *
     * @param idToWnid    the leaf synsets (the classes): ILSVRC2012_ID (1-based) to wnid, in ID order
     * @param wnidToWords each class's wnid to its words, e.g. {@code n01440764 -> "tench, Tinca tinca"}
     * @param valWnids    the wnid of each validation image: index {@code i} is {@code ILSVRC2012_val_%08d.JPEG}
     *                    with number {@code i + 1}
     */
    public record Devkit(Map<Integer, String> idToWnid, Map<String, String> wnidToWords, List<String> valWnids) {
        public Devkit {
            idToWnid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(idToWnid));
            wnidToWords = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(wnidToWords));
            valWnids = List.copyOf(valWnids);
        }

        /** The class wnids sorted: index = class index, as in the training folders. Not ID order. */
        public List<String> sortedWnids() {
            return idToWnid.values().stream().sorted().toList();
        }

        /** Each class wnid to its class index in sorted-wnid order. */
        public Map<String, Integer> classIndexByWnid() {
            Map<String, Integer> out = new TreeMap<>();
            List<String> sorted = sortedWnids();
            for (int i = 0; i < sorted.size(); i++) {
                out.put(sorted.get(i), i);
            }
            return out;
        }
    }

    /** Reads the devkit from {@code dir}, which is the devkit folder itself or the folder holding it. */
    public static Devkit read(String dir, Configuration conf) throws IOException {
        String base = DatasetFiles.locate(dir, DEVKIT_FOLDER, List.of(META, VAL_GROUND_TRUTH), "ILSVRC2012 devkit", FIX, conf);
        String meta = DatasetFiles.child(base, META);
        MatArray synsets = MatFile.read(meta, conf, "synsets"::equals).get("synsets");
        if (synsets == null || synsets.matClass() != MatClass.STRUCT) {
            throw new ConfigException(meta + ": expected a struct array variable 'synsets'"
                    + (synsets == null ? ", found none" : ", found " + synsets) + ". Is this the ILSVRC2012 devkit?");
        }
        for (String f : List.of("ILSVRC2012_ID", "WNID", "words", "num_children")) {
            if (!synsets.fieldNames().contains(f)) {
                throw new ConfigException(meta + ": synsets has fields " + synsets.fieldNames() + " but no '" + f
                        + "'. Is this the ILSVRC2012 devkit?");
            }
        }
        Map<Integer, String> idToWnid = new TreeMap<>();
        Map<String, String> wnidToWords = new LinkedHashMap<>();
        for (int i = 0; i < synsets.numel(); i++) {
            if (synsets.field(i, "num_children").get(0) != 0) {
                continue;
            }
            int id = (int) synsets.field(i, "ILSVRC2012_ID").get(0);
            String wnid = synsets.field(i, "WNID").string();
            if (idToWnid.put(id, wnid) != null) {
                throw new ConfigException(meta + ": ILSVRC2012_ID " + id + " appears twice among the leaf synsets.");
            }
            wnidToWords.put(wnid, synsets.field(i, "words").string());
        }
        int classes = idToWnid.size();
        if (classes == 0 || !idToWnid.containsKey(1) || !idToWnid.containsKey(classes)) {
            throw new ConfigException(meta + ": the leaf synsets (num_children == 0) have IDs " + idToWnid.keySet()
                    + "; expected 1.." + classes + ". Is this the ILSVRC2012 devkit?");
        }
        Map<Integer, String> inIdOrder = new LinkedHashMap<>(idToWnid);

        String truth = DatasetFiles.child(base, VAL_GROUND_TRUTH);
        List<String> valWnids = new ArrayList<>();
        List<String> lines = DatasetFiles.lines(truth, conf);
        for (int i = 0; i < lines.size(); i++) {
            String wnid;
            try {
                wnid = idToWnid.get(Integer.parseInt(lines.get(i)));
            } catch (NumberFormatException e) {
                wnid = null;
            }
            if (wnid == null) {
                throw new ConfigException(truth + ": line " + (i + 1) + " is '" + lines.get(i) + "'; expected a class ID 1.."
                        + classes + " (one per validation image).");
            }
            valWnids.add(wnid);
        }
        return new Devkit(inIdOrder, wnidToWords, valWnids);
    }
}
