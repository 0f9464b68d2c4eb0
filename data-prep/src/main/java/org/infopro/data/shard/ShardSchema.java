package org.infopro.data.shard;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.infopro.data.config.ConfigException;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one declared shard schema: the contract between data preparation and training.
 *
 * <ul>
 *   <li>{@code key}: a stable unique id, {@code <split>/<source id>}; shard assignment hashes it.</li>
 *   <li>{@code split}: {@code train}, {@code val}, {@code test}, ...</li>
 *   <li>{@code label}: the class index, 0-based, in the order of the manifest's {@code label_names};
 *       {@link #NO_LABEL} (-1) for rows without a class (segmentation, unlabeled or test splits).</li>
 *   <li>{@code image}: the pixels. With {@code encoding = raw}: unsigned bytes in {@code layout} order
 *       (HWC: row-major, channels interleaved, channel order RGB or gray). With {@code jpeg} or {@code png}:
 *       the encoded file, upright, RGB or gray (never CMYK, never with a pending EXIF rotation). No
 *       normalisation is applied at prep; the manifest carries the per-channel mean/std.</li>
 *   <li>{@code height}, {@code width}, {@code channels}: the (decoded) image shape of this row.</li>
 *   <li>{@code dtype}: element type of the pixels, {@code uint8}.</li>
 *   <li>{@code layout}: {@code HWC}.</li>
 *   <li>{@code encoding}: {@code raw}, {@code jpeg} or {@code png}, per row.</li>
 * </ul>
 * Schema version 2 adds nullable columns: {@code mask} (a segmentation mask of train ids, one byte per
 * pixel, same height and width as the image, 255 = ignore), {@code mask_encoding} ({@code png} or
 * {@code raw}), {@code source} (the input path the row came from), {@code city} and {@code frame}
 * (Cityscapes: {@code <sequence>_<frame>}). Version-1 datasets (no such columns) are still read.
 */
public final class ShardSchema {
    public static final int VERSION = 2;
    /** The oldest schema version this build reads. */
    public static final int MIN_VERSION = 1;
    public static final int NO_LABEL = -1;

    public static final String KEY = "key";
    public static final String SPLIT = "split";
    public static final String LABEL = "label";
    public static final String IMAGE = "image";
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";
    public static final String CHANNELS = "channels";
    public static final String DTYPE = "dtype";
    public static final String LAYOUT = "layout";
    public static final String ENCODING = "encoding";
    public static final String MASK = "mask";
    public static final String MASK_ENCODING = "mask_encoding";
    public static final String SOURCE = "source";
    public static final String CITY = "city";
    public static final String FRAME = "frame";

    public static final String DTYPE_UINT8 = "uint8";
    public static final String LAYOUT_HWC = "HWC";
    public static final String ENCODING_RAW = "raw";
    public static final String ENCODING_JPEG = "jpeg";
    public static final String ENCODING_PNG = "png";
    /** A manifest's image encoding when rows differ (e.g. original JPEGs next to re-encoded PNGs). */
    public static final String ENCODING_MIXED = "mixed";

    /** Columns every version has, in order. */
    private static final StructField[] REQUIRED = {
            DataTypes.createStructField(KEY, DataTypes.StringType, false),
            DataTypes.createStructField(SPLIT, DataTypes.StringType, false),
            DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
            DataTypes.createStructField(IMAGE, DataTypes.BinaryType, false),
            DataTypes.createStructField(HEIGHT, DataTypes.IntegerType, false),
            DataTypes.createStructField(WIDTH, DataTypes.IntegerType, false),
            DataTypes.createStructField(CHANNELS, DataTypes.IntegerType, false),
            DataTypes.createStructField(DTYPE, DataTypes.StringType, false),
            DataTypes.createStructField(LAYOUT, DataTypes.StringType, false),
            DataTypes.createStructField(ENCODING, DataTypes.StringType, false),
    };

    /** Columns added by version 2, all nullable. */
    private static final StructField[] ADDED_V2 = {
            DataTypes.createStructField(MASK, DataTypes.BinaryType, true),
            DataTypes.createStructField(MASK_ENCODING, DataTypes.StringType, true),
            DataTypes.createStructField(SOURCE, DataTypes.StringType, true),
            DataTypes.createStructField(CITY, DataTypes.StringType, true),
            DataTypes.createStructField(FRAME, DataTypes.StringType, true),
    };

    public static final StructType SCHEMA = new StructType(concat(REQUIRED, ADDED_V2));

    private ShardSchema() {
    }

    private static StructField[] concat(StructField[] a, StructField[] b) {
        StructField[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The columns of a dataset of schema {@code version}. */
    public static List<StructField> columns(int version) {
        return version >= 2 ? Arrays.asList(SCHEMA.fields()) : Arrays.asList(REQUIRED);
    }

    /**
     * Checks that {@code actual} carries every column of schema {@code version} with the declared type
     * (Parquet read-back makes columns nullable, so nullability is not compared). Called before any work.
     */
    public static void check(StructType actual, int version, String where) {
        Map<String, DataType> have = Arrays.stream(actual.fields())
                .collect(Collectors.toMap(StructField::name, StructField::dataType));
        for (StructField f : columns(version)) {
            DataType t = have.get(f.name());
            if (t == null) {
                throw new ConfigException(where + ": shard column '" + f.name() + "' is missing; found "
                        + have.keySet() + ". Re-run the prep job that writes schema version " + version + ".");
            }
            if (!t.equals(f.dataType())) {
                throw new ConfigException(where + ": shard column '" + f.name() + "' has type " + t.simpleString()
                        + ", expected " + f.dataType().simpleString() + ". Re-run the prep job.");
            }
        }
    }

    /** {@link #check(StructType, int, String)} for the current version. */
    public static void check(StructType actual, String where) {
        check(actual, VERSION, where);
    }
}
