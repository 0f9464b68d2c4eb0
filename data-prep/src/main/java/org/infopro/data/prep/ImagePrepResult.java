package org.infopro.data.prep;

import java.util.Map;

/**
 * What an image prep run did: the orchestrator contract, printed by the entry point and written as
 * {@code result.json}. {@code status} is ok, skipped or failed; on failure {@code error} says why and no
 * dataset exists at {@code output} (unless one was there before and the mode kept it).
 */
public record ImagePrepResult(
        String status,
        String job,
        String output,
        String manifest,
        Map<String, Long> inputsPerSplit,
        Map<String, Long> rowsPerSplit,
        Map<String, Long> quarantinedPerSplit,
        Map<String, Long> quarantineByReason,
        int shardFiles,
        long shardBytes,
        Map<String, Long> timingsMs,
        String error) {

    public static final String OK = "ok";
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";
}
