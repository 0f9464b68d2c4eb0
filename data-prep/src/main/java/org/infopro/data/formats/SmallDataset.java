package org.infopro.data.formats;

import org.infopro.data.config.ConfigException;

import java.util.List;

/**
 * A small dataset opened from its published files: its name, its class names (index = label) and
 * its splits, in a fixed order (train first).
 */
public record SmallDataset(String name, List<String> labelNames, List<RecordSplit> splits) {
    public SmallDataset {
        labelNames = List.copyOf(labelNames);
        splits = List.copyOf(splits);
    }

    /** The split called {@code name}; a {@link ConfigException} listing the splits when there is none. */
    public RecordSplit split(String name) {
        for (RecordSplit s : splits) {
            if (s.split().equals(name)) {
                return s;
            }
        }
        throw new ConfigException(this.name + " has no split '" + name + "'; it has "
                + splits.stream().map(RecordSplit::split).toList() + ".");
    }
}
