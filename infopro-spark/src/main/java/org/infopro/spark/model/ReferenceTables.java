package org.infopro.spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.spark.loss.LambdaSchedule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The InfoPro reference's split tables ({@code conf/infopro-splits.json}) and shipped λ settings
 * ({@code conf/infopro-lambdas.json}), kept as data and looked up by name.
 */
public final class ReferenceTables {
    public static final String SPLITS = "infopro-splits.json";
    public static final String LAMBDAS = "infopro-lambdas.json";

    private ReferenceTables() {
    }

    private static JsonNode load(String resource) {
        try (InputStream in = ReferenceTables.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path; the build copies it from conf/");
            }
            return Json.mapper().readTree(in).get("tables");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The split points of {@code table} for a ResNet of {@code depth} with {@code k} modules. */
    public static List<SplitPoint> splits(String table, int depth, int k) {
        TreeSet<String> have = new TreeSet<>();
        for (JsonNode t : load(SPLITS)) {
            if (t.get("depth").asInt() != depth) {
                continue;
            }
            have.add(t.get("table").asText() + ":k" + t.get("k").asInt());
            if (t.get("table").asText().equals(table) && t.get("k").asInt() == k) {
                List<SplitPoint> out = new ArrayList<>();
                for (JsonNode p : t.get("splits")) {
                    out.add(new SplitPoint(p.get(0).asInt(), p.get(1).asInt()));
                }
                return out;
            }
        }
        throw new ConfigException("no split table '" + table + ":k" + k + "' for ResNet-" + depth + " in conf/" + SPLITS
                + (have.isEmpty() ? "; it has tables for ResNet-32 and -110 (CIFAR) and ResNet-50, -101, -152 (ImageNet) only."
                : "; it has " + have + "."));
    }

    /** The shipped λ of {@code dataset}/{@code variant} for a ResNet of {@code depth} with {@code k} modules. */
    public static LambdaSchedule lambda(String dataset, String variant, int depth, int k) {
        TreeSet<String> have = new TreeSet<>();
        for (JsonNode t : load(LAMBDAS)) {
            String d = t.get("dataset").asText();
            String v = t.get("variant").asText();
            if (t.get("depth").asInt() == depth && t.get("k").asInt() == k) {
                have.add(d + "/" + v);
            }
            if (d.equals(dataset.toLowerCase(Locale.ROOT)) && v.equals(variant.toLowerCase(Locale.ROOT))
                    && t.get("depth").asInt() == depth && t.get("k").asInt() == k) {
                JsonNode l = t.get("lambda");
                return new LambdaSchedule(l.get(0).asDouble(), l.get(1).asDouble(), l.get(2).asDouble(), l.get(3).asDouble());
            }
        }
        throw new ConfigException("no shipped λ for " + dataset + "/" + variant + " with ResNet-" + depth + " and K=" + k
                + " in conf/" + LAMBDAS + (have.isEmpty() ? "; give four numbers instead." : "; for this network and K it has " + have + "."));
    }
}
