package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a local module ends: right after block {@code block} (0-based) of stage {@code stage}
 * (1..3); {@code [0, 0]} means right after the stem. The reference's config-table convention.
 */
public record SplitPoint(int stage, int block) implements Serializable, Comparable<SplitPoint> {

    /** Parses {@code "2,1;3,0"} (or {@code "[2,1] [3,0]"}); empty text means end-to-end (K = 1). */
    public static List<SplitPoint> parseList(String text) {
        List<SplitPoint> out = new ArrayList<>();
        String cleaned = text.replace('[', ' ').replace(']', ';').trim();
        if (cleaned.isEmpty() || cleaned.equalsIgnoreCase("none")) {
            return out;
        }
        for (String part : cleaned.split(";")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            String[] ab = p.split("[,\\s]+");
            if (ab.length != 2) {
                throw new ConfigException("split point '" + p + "' is not 'stage,block' (for example '2,1').");
            }
            try {
                out.add(new SplitPoint(Integer.parseInt(ab[0].trim()), Integer.parseInt(ab[1].trim())));
            } catch (NumberFormatException e) {
                throw new ConfigException("split point '" + p + "' is not 'stage,block' with integers (for example '2,1').");
            }
        }
        return out;
    }

    @Override
    public int compareTo(SplitPoint o) {
        return stage != o.stage ? Integer.compare(stage, o.stage) : Integer.compare(block, o.block);
    }

    @Override
    public String toString() {
        return "[" + stage + "," + block + "]";
    }
}
