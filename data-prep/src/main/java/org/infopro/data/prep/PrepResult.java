package org.infopro.data.prep;

import java.util.Map;

/** What a prep run did, for the caller and for orchestrators (printed as JSON by the entry point). */
public record PrepResult(String status, String output, Map<String, Long> rowsPerSplit, int shardFiles,
                         Map<String, Long> timingsMs) {
    public static final String OK = "ok";
    public static final String SKIPPED = "skipped";
}
