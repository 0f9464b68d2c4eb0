package org.infopro.spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.spark.train.TrainJob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a train run folder holds, as the report reads it: result.json (null for a run that has not ended, or was
 * killed), the epochs of metrics.jsonl in order, and the evaluate results ({@code evaluate-<split>.json}) beside them.
 */
record RunRecord(String run, JsonNode result, List<JsonNode> epochs, Map<String, JsonNode> evaluations) {
    static final String EVALUATE_PREFIX = "evaluate-";

    /** Reads {@code run}; a folder with neither result.json nor metrics.jsonl is no run, and a {@link ConfigException} says so. */
    static RunRecord read(Path run, Configuration conf) {
        FileSystem fs = Fs.of(run, conf);
        try {
            if (!fs.exists(run) || !fs.getFileStatus(run).isDirectory()) {
                throw new ConfigException("report: --run " + run + " is not a folder. Give a train run's --out folder "
                        + "(submit/infopro train ... --out DIR).");
            }
            Path resultFile = new Path(run, TrainJob.RESULT);
            JsonNode result = fs.exists(resultFile) ? parse(resultFile, Fs.readString(resultFile, conf)) : null;
            List<JsonNode> epochs = new ArrayList<>();
            Path metrics = new Path(run, TrainJob.METRICS);
            String lines = Fs.readStringRecovering(metrics, conf).orElse("");
            for (String line : lines.split("\n")) {
                if (!line.isBlank()) {
                    epochs.add(parse(metrics, line));
                }
            }
            if (result == null && epochs.isEmpty()) {
                throw new ConfigException("report: --run " + run + " is not a train run: it has no " + TrainJob.RESULT + " and no "
                        + "epoch in " + TrainJob.METRICS + ". Give a train run's --out folder (submit/infopro train ... --out DIR), "
                        + "after at least one epoch.");
            }
            Map<String, JsonNode> evaluations = new LinkedHashMap<>();
            FileStatus[] listed = fs.listStatus(run, p -> p.getName().startsWith(EVALUATE_PREFIX) && p.getName().endsWith(".json"));
            Arrays.sort(listed, Comparator.comparing(s -> s.getPath().getName()));
            for (FileStatus s : listed) {
                String name = s.getPath().getName();
                evaluations.put(name.substring(EVALUATE_PREFIX.length(), name.length() - ".json".length()),
                        parse(s.getPath(), Fs.readString(s.getPath(), conf)));
            }
            return new RunRecord(Fs.qualified(run, conf).toString(), result, List.copyOf(epochs), evaluations);
        } catch (IOException e) {
            throw new UncheckedIOException("report: cannot read --run " + run + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(Path file, String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new ConfigException("report: " + file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); it is not a file train wrote, or it was cut short. Rerun the run, or give another --run.", e);
        }
    }

    /** result.json's field, or a missing node when the run has no result. */
    JsonNode resultField(String name) {
        return result == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : result.path(name);
    }
}
