package org.infopro.data.source;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.infopro.data.image.BadImageException;
import org.infopro.data.shard.ShardSchema;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of one input on an executor: a shard row (with the per-channel sums the manifest's
 * statistics are made of) or a quarantine record (path, reason, stage, detail). Exactly one per input, so
 * inputs = rows + quarantined can be checked.
 */
public record PrepOutcome(
        String key, String split, int label,
        byte[] image, int height, int width, int channels, String encoding,
        byte[] mask, String maskEncoding, String source, String city, String frame,
        double[] channelSums, long pixels, long unknownMaskPixels,
        String reason, String stage, String detail) implements Serializable {

    public static PrepOutcome quarantined(String key, String split, String source, BadImageException e) {
        return new PrepOutcome(key, split, ShardSchema.NO_LABEL, null, 0, 0, 0, null, null, null, source, null, null,
                null, 0, 0, e.reason().label(), e.stage().label(), String.valueOf(e.getMessage()));
    }

    public boolean isQuarantined() {
        return reason != null;
    }

    /** The shard row, in {@link ShardSchema#SCHEMA} order. */
    public Row toRow() {
        return RowFactory.create(key, split, label, image, height, width, channels, ShardSchema.DTYPE_UINT8,
                ShardSchema.LAYOUT_HWC, encoding, mask, maskEncoding, source, city, frame);
    }

    /** The quarantine record as {@code _quarantine.jsonl} lists it. */
    public Map<String, Object> quarantineRecord() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", source);
        m.put("key", key);
        m.put("split", split);
        m.put("reason", reason);
        m.put("stage", stage);
        m.put("detail", detail);
        return m;
    }

    /** Bytes this row adds to its shard, before Parquet compression. */
    public long rowBytes() {
        return (image == null ? 0 : image.length) + (mask == null ? 0 : mask.length) + key.length() + 64;
    }
}
