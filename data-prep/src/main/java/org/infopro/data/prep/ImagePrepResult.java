package org.infopro.data.prep;

import org.infopro.data.io.Status;

import java.util.Map;

/**
 * What an image prep run did: the orchestrator contract, printed by the entry point and written as
 * {@code result.json}. {@code status} is ok, skipped, failed or invalid; when it is neither ok nor skipped, {@code error} says why and no
 * dataset exists at {@code output} (unless one was there before and the mode kept it).
 */
public record ImagePrepResult(
        Status status,
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
}
