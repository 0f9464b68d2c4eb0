package org.infopro.data.source;

import org.apache.hadoop.conf.Configuration;
import org.infopro.data.image.RgbImage;

import java.io.Serializable;

/**
 * What a {@link PrepSource} does with each input it lists: turn it into exactly one {@link PrepOutcome}, on an
 * executor. The source knows where inputs are and how they are labelled; the job decides how an image is
 * decoded, resized and stored, so the sources depend on this contract and not on the job's configuration.
 * Serializable because the sources ship it to executors inside their Spark functions.
 */
public interface InputProcessor extends Serializable {

    /** Processes a listed file (and its mask, if it has one); a bad input becomes a quarantine outcome. */
    PrepOutcome file(PrepInput in, Configuration conf);

    /** Processes an already-decoded image (the small sets' binary records). */
    PrepOutcome decoded(String key, String split, int label, RgbImage img, String source);
}
