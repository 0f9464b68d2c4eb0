package org.infopro.data.shard;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.infopro.data.config.ConfigException;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one declared shard schema: the contract between data preparation and training.
 *
 * <ul>
 *   <li>{@code key}: a stable unique id, {@code <split>/<source id>}; shard assignment hashes it.</li>
 *   <li>{@code split}: {@code train}, {@code test}, ...</li>
 *   <li>{@code label}: the class index, 0-based, in the order of the manifest's {@code label_names}.</li>
 *   <li>{@code image}: the pixels. With {@code encoding = raw}: unsigned bytes in {@code layout} order
 *       (HWC: row-major, channels interleaved, channel order RGB or gray). No normalisation is applied at
 *       prep; the manifest carries the per-channel mean/std to normalise with.</li>
 *   <li>{@code height}, {@code width}, {@code channels}: the image shape.</li>
 *   <li>{@code dtype}: element type of raw pixels, {@code uint8}.</li>
 *   <li>{@code layout}: {@code HWC}.</li>
 *   <li>{@code encoding}: {@code raw} (encoded formats such as {@code png} come with the ImageNet prep).</li>
 * </ul>
 */
public final class ShardSchema {
    public static final int VERSION = 1;

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

    public static final String DTYPE_UINT8 = "uint8";
    public static final String LAYOUT_HWC = "HWC";
    public static final String ENCODING_RAW = "raw";

    public static final StructType SCHEMA = new StructType(new StructField[]{
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
    });

    private ShardSchema() {
    }

    /**
     * Checks that {@code actual} carries every declared column with the declared type (Parquet read-back
     * makes columns nullable, so nullability is not compared). Called before any work on shards.
     */
    public static void check(StructType actual, String where) {
        Map<String, DataType> have = Arrays.stream(actual.fields())
                .collect(Collectors.toMap(StructField::name, StructField::dataType));
        for (StructField f : SCHEMA.fields()) {
            DataType t = have.get(f.name());
            if (t == null) {
                throw new ConfigException(where + ": shard column '" + f.name() + "' is missing; found "
                        + have.keySet() + ". Re-run the prep job that writes schema version " + VERSION + ".");
            }
            if (!t.equals(f.dataType())) {
                throw new ConfigException(where + ": shard column '" + f.name() + "' has type " + t.simpleString()
                        + ", expected " + f.dataType().simpleString() + ". Re-run the prep job.");
            }
        }
    }
}
