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
import org.infopro.data.image.BadImageException.Reason;
import org.infopro.data.shard.DatasetManifest.LabelEntry;
import org.infopro.data.shard.ShardSchema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cityscapes fine annotations: {@code leftImg8bit/{split}/{city}/{city}_{seq}_{frame}_leftImg8bit.png} with
 * {@code gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_labelIds.png}. The other gtFine files (color,
 * instanceIds, polygons, labelTrainIds) are not inputs. Test-split masks only mark the ego vehicle and
 * borders, so they are not labels and are not read. A frame whose mask is missing is quarantined; a file
 * in leftImg8bit that does not follow the naming scheme is quarantined too (never silently skipped).
 */
public final class CityscapesSource implements PrepSource {
    public static final String IMAGES = "leftImg8bit";
    public static final String MASKS = "gtFine";
    public static final String IMAGE_SUFFIX = "_leftImg8bit.png";
    public static final String MASK_SUFFIX = "_gtFine_labelIds.png";
    private static final Pattern FRAME = Pattern.compile("(.+)_(\\d{6})_(\\d{6})_leftImg8bit\\.png");

    private final Path root;

    private CityscapesSource(Path root) {
        this.root = root;
    }

    /** Checks that {@code input} is a Cityscapes root; {@code job} names the job in error messages. */
    public static CityscapesSource open(String job, String input, Configuration conf) {
        Path root = new Path(input);
        if (!FileListing.isDir(new Path(root, IMAGES), conf)) {
            throw new ConfigException(job + ": --input " + root + " has no " + IMAGES
                    + "/ folder; point it at the Cityscapes root that holds leftImg8bit/ and gtFine/.");
        }
        return new CityscapesSource(root);
    }

    @Override
    public List<LabelEntry> labels() {
        return List.of();
    }

    @Override
    public boolean masks() {
        return true;
    }

    @Override
    public SplitWork split(String split, SparkSession spark, Broadcast<SerializableWritable<Configuration>> bconf,
                           InputProcessor processor, int limit) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path images = new Path(new Path(root, IMAGES), split);
        Path masks = new Path(new Path(root, MASKS), split);
        boolean labelled = !split.equals("test");
        if (!FileListing.isDir(images, conf)) {
            throw new ConfigException("prep-cityscapes: split '" + split + "' has no folder " + images
                    + "; use --splits to choose the splits that exist.");
        }
        if (labelled && !FileListing.isDir(masks, conf)) {
            throw new ConfigException("prep-cityscapes: split '" + split + "' has images but no " + masks
                    + " folder; unpack gtFine_trainvaltest.zip beside leftImg8bit/.");
        }
        List<String> cities = new ArrayList<>();
        for (FileStatus d : FileListing.children(images, conf, true)) {
            cities.add(d.getPath().getName());
        }
        String imageDir = images.toString();
        String maskDir = masks.toString();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<PrepInput> listed = jsc.parallelize(cities, Math.max(1, cities.size()))
                .flatMap(city -> {
                    Configuration c = bconf.value().value();
                    Set<String> maskNames = new HashSet<>();
                    Path cityMasks = new Path(maskDir, city);
                    if (labelled && FileListing.isDir(cityMasks, c)) {
                        for (FileStatus f : FileListing.children(cityMasks, c, false)) {
                            maskNames.add(f.getPath().getName());
                        }
                    }
                    List<PrepInput> out = new ArrayList<>();
                    for (FileStatus f : FileListing.children(new Path(imageDir, city), c, false)) {
                        String name = f.getPath().getName();
                        Matcher m = FRAME.matcher(name);
                        if (!m.matches()) {
                            out.add(PrepInput.of(split + "/" + city + "/" + name, split, ShardSchema.NO_LABEL, f.getPath().toString())
                                    .reject(Reason.UNEXPECTED_NAME, "not <city>_<seq>_<frame>" + IMAGE_SUFFIX));
                            continue;
                        }
                        String stem = name.substring(0, name.length() - IMAGE_SUFFIX.length());
                        String frame = m.group(2) + "_" + m.group(3);
                        String maskName = stem + MASK_SUFFIX;
                        String maskPath = labelled ? new Path(cityMasks, maskName).toString() : null;
                        PrepInput in = new PrepInput(split + "/" + stem, split, ShardSchema.NO_LABEL, f.getPath().toString(),
                                maskPath, city, frame, null, null);
                        if (labelled && !maskNames.contains(maskName)) {
                            in = in.reject(Reason.MASK_MISSING, "no " + maskName + " in " + cityMasks);
                        }
                        out.add(in);
                    }
                    return out.iterator();
                });
        return FileListing.work(split, listed, bconf, processor, limit);
    }
}
