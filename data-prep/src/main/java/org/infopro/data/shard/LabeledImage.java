package org.infopro.data.shard;

import java.io.Serializable;

/** One decoded shard row as training consumes it: the label and the raw pixels (layout per the manifest). */
public record LabeledImage(String key, int label, byte[] pixels) implements Serializable {
}
