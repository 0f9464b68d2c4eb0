package org.infopro.data.source;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.formats.ImageNetDevkit;
import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.io.Fs;
import org.infopro.data.shard.DatasetManifest.LabelEntry;
import org.infopro.data.shard.ShardSchema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ILSVRC-2012 in either common layout. Classes are the 1000 wnids in sorted order, numbered from 0 (the
 * torchvision convention); names come from {@code LOC_synset_mapping.txt} or the devkit's {@code meta.mat}.
 * Validation labels come from {@code val/<wnid>/} folders, {@code LOC_val_solution.csv}, or the devkit's
 * ground truth, whose ILSVRC2012_IDs are mapped through wnids because the devkit's id order is not the
 * sorted-wnid order. Files under an unknown wnid, or validation images without a label, are quarantined.
 */
public final class ImageNetSource implements PrepSource {
    public static final String SYNSET_MAPPING = "LOC_synset_mapping.txt";
    public static final String VAL_SOLUTION = "LOC_val_solution.csv";
    public static final String DEVKIT = "ILSVRC2012_devkit_t12";

    private final Path data;
    private final List<LabelEntry> labels;
    private final Map<String, Integer> index;
    /** Validation image stem → wnid, when the labels are not folders. */
    private final Map<String, String> valWnids;
    private final String valLabelSource;

    private ImageNetSource(Path data, List<LabelEntry> labels, Map<String, String> valWnids, String valLabelSource) {
        this.data = data;
        this.labels = labels;
        this.index = new HashMap<>();
        for (LabelEntry e : labels) {
            index.put(e.id(), e.index());
        }
        this.valWnids = valWnids;
        this.valLabelSource = valLabelSource;
    }

    /**
     * Reads the label map and finds the layout under {@code input}; {@code devkit} is the devkit folder, or
     * empty for {@code <input>/ILSVRC2012_devkit_t12} if present. {@code job} names the job in error messages.
     */
    public static ImageNetSource open(String job, String input, String devkit, Configuration conf) {
        Path root = new Path(input);
        if (!FileListing.isDir(root, conf)) {
            throw new ConfigException(job + ": --input " + root + " is not a folder.");
        }
        Path kaggle = new Path(root, "ILSVRC/Data/CLS-LOC");
        Path data = FileListing.isDir(kaggle, conf) ? kaggle : root;
        Path mapping = new Path(root, SYNSET_MAPPING);
        Path devkitDir = devkit.isEmpty() ? new Path(root, DEVKIT) : new Path(devkit);
        TreeMap<String, String> names = new TreeMap<>();
        Map<String, String> valWnids = new HashMap<>();
        String valSource;
        if (Fs.exists(mapping, conf)) {
            for (String line : Fs.readString(mapping, conf).split("\\R")) {
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                int sp = line.indexOf(' ');
                String wnid = sp < 0 ? line : line.substring(0, sp);
                if (names.put(wnid, sp < 0 ? wnid : line.substring(sp + 1).strip()) != null) {
                    throw new ConfigException(mapping + ": wnid " + wnid + " is listed twice.");
                }
            }
            valSource = SYNSET_MAPPING;
            Path solution = new Path(root, VAL_SOLUTION);
            if (Fs.exists(solution, conf)) {
                valWnids = readSolution(solution, conf);
                valSource = VAL_SOLUTION;
            }
        } else if (FileListing.isDir(devkitDir, conf) || !devkit.isEmpty()) {
            ImageNetDevkit.Devkit dk;
            try {
                dk = ImageNetDevkit.read(devkitDir.toString(), conf);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read the devkit " + devkitDir + ": " + e.getMessage(), e);
            }
            names.putAll(dk.wnidToWords());
            for (int i = 0; i < dk.valWnids().size(); i++) {
                valWnids.put(String.format("ILSVRC2012_val_%08d", i + 1), dk.valWnids().get(i));
            }
            valSource = "devkit " + devkitDir.getName();
        } else {
            Path train = new Path(data, "train");
            if (!FileListing.isDir(train, conf)) {
                throw new ConfigException(job + ": no " + SYNSET_MAPPING + ", no " + DEVKIT
                        + " and no train/ under --input " + root + "; point --input at an ILSVRC-2012 root.");
            }
            for (FileStatus d : FileListing.children(train, conf, true)) {
                names.put(d.getPath().getName(), d.getPath().getName());
            }
            valSource = "folders";
        }
        if (names.isEmpty()) {
            throw new ConfigException(job + ": found no classes under " + root + ".");
        }
        List<LabelEntry> labels = new ArrayList<>();
        for (Map.Entry<String, String> e : names.entrySet()) {
            labels.add(new LabelEntry(labels.size(), e.getKey(), e.getValue()));
        }
        return new ImageNetSource(data, labels, valWnids, valSource);
    }

    /** {@code ImageId,PredictionString} rows; the class is the first wnid of the prediction string. */
    static Map<String, String> readSolution(Path p, Configuration conf) {
        Map<String, String> m = new HashMap<>();
        String[] lines = Fs.readString(p, conf).split("\\R");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int comma = line.indexOf(',');
            if (comma < 0) {
                throw new ConfigException(p + ": line " + (i + 1) + " is not 'ImageId,PredictionString': '" + line + "'.");
            }
            String[] pred = line.substring(comma + 1).strip().split("\\s+");
            m.put(line.substring(0, comma).strip(), pred[0]);
        }
        return m;
    }

    @Override
    public List<LabelEntry> labels() {
        return labels;
    }

    @Override
    public boolean masks() {
        return false;
    }

    public String valLabelSource() {
        return valLabelSource;
    }

    @Override
    public SplitWork split(String split, SparkSession spark, Broadcast<SerializableWritable<Configuration>> bconf,
                           InputProcessor processor, int limit) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Path dir = new Path(data, split);
        if (!FileListing.isDir(dir, conf)) {
            throw new ConfigException("prep-imagenet: split '" + split + "' has no folder " + dir + "; use --splits to choose "
                    + "the splits that exist.");
        }
        List<FileStatus> classDirs = FileListing.children(dir, conf, true);
        List<FileStatus> looseFiles = FileListing.children(dir, conf, false);
        Map<String, Integer> idx = new LinkedHashMap<>(index);
        List<String> sources = new ArrayList<>();
        for (FileStatus d : classDirs) {
            sources.add(d.getPath().toString());
        }
        JavaRDD<PrepInput> listed = jsc.parallelize(sources, Math.max(1, Math.min(sources.size(), jsc.defaultParallelism() * 8)))
                .flatMap(d -> {
                    Path classDir = new Path(d);
                    String wnid = classDir.getName();
                    Integer label = idx.get(wnid);
                    List<PrepInput> out = new ArrayList<>();
                    for (FileStatus f : FileListing.children(classDir, bconf.value().value(), false)) {
                        String name = f.getPath().getName();
                        PrepInput in = PrepInput.of(split + "/" + wnid + "/" + FileListing.stem(name), split,
                                label == null ? ShardSchema.NO_LABEL : label, f.getPath().toString());
                        out.add(label == null ? in.reject(Reason.UNKNOWN_CLASS, "folder '" + wnid
                                + "' is not a class of the label map") : in);
                    }
                    return out.iterator();
                });
        if (!looseFiles.isEmpty()) {
            if (!classDirs.isEmpty() && split.equals("train")) {
                List<PrepInput> stray = new ArrayList<>();
                for (FileStatus f : looseFiles) {
                    stray.add(PrepInput.of(split + "/" + FileListing.stem(f.getPath().getName()), split, ShardSchema.NO_LABEL,
                            f.getPath().toString()).reject(Reason.UNEXPECTED_NAME, "training images belong in train/<wnid>/"));
                }
                listed = listed.union(jsc.parallelize(stray, 1));
            } else {
                listed = listed.union(flatValidation(jsc, split, looseFiles, idx));
            }
        }
        return FileListing.work(split, listed, bconf, processor, limit);
    }

    /** A flat validation folder: labels by image name from the solution file or the devkit. */
    private JavaRDD<PrepInput> flatValidation(JavaSparkContext jsc, String split, List<FileStatus> files,
                                              Map<String, Integer> idx) {
        if (valWnids.isEmpty()) {
            throw new ConfigException("prep-imagenet: " + split + "/ holds images but there are no labels for them: add "
                    + VAL_SOLUTION + " beside " + SYNSET_MAPPING + ", give --devkit, or sort them into " + split + "/<wnid>/.");
        }
        Map<String, String> wnids = valWnids;
        String from = valLabelSource;
        List<String> paths = new ArrayList<>();
        for (FileStatus f : files) {
            paths.add(f.getPath().toString());
        }
        return jsc.parallelize(paths, Math.max(1, Math.min(paths.size() / 1000 + 1, jsc.defaultParallelism() * 8)))
                .map(p -> {
                    String stem = FileListing.stem(new Path(p).getName());
                    String wnid = wnids.get(stem);
                    Integer label = wnid == null ? null : idx.get(wnid);
                    PrepInput in = PrepInput.of(split + "/" + stem, split, label == null ? ShardSchema.NO_LABEL : label, p);
                    if (wnid == null) {
                        return in.reject(Reason.UNKNOWN_CLASS, "no label for '" + stem + "' in " + from);
                    }
                    return label == null ? in.reject(Reason.UNKNOWN_CLASS, from + " labels '" + stem + "' with wnid " + wnid
                            + ", which is not a class of the label map") : in;
                });
    }
}
