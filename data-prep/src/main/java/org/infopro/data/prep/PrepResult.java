package org.infopro.data.prep;

import org.infopro.data.io.Status;

import java.util.Map;

/** What a prep run did, for the caller and for orchestrators (printed as JSON by the entry point). */
public record PrepResult(Status status, String output, Map<String, Long> rowsPerSplit, int shardFiles,
                         Map<String, Long> timingsMs) {
}
