package org.infopro.data.source;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.shard.DatasetManifest.LabelEntry;

import java.util.List;

/**
 * One dataset's on-disk layout, seen by the prep job: its classes, and for each split the distributed work
 * that lists every input ({@link PrepInput}) and turns it into exactly one {@link PrepOutcome} with the
 * job's {@link InputProcessor}. Listing and decoding happen on executors; the driver only lists top-level
 * folders.
 */
public interface PrepSource {

    /** A split's outcomes (lazy) and how many inputs the listing found. */
    record SplitWork(String split, JavaRDD<PrepOutcome> outcomes, long inputs) {
    }

    /** The classes, index order = label order; empty for datasets without image-level classes. */
    List<LabelEntry> labels();

    /** True when rows carry segmentation masks. */
    boolean masks();

    SplitWork split(String split, SparkSession spark, Broadcast<SerializableWritable<Configuration>> conf,
                    InputProcessor processor, int limit);
}
