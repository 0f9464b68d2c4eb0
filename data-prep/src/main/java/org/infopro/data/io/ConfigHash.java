package org.infopro.data.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The identity of a job's resolved config, as {@code --if-exists skip-ok} and {@code resume} compare it: SHA-256 of
 * the config's JSON with keys sorted at every level, leaving out the keys that only say what to do with an existing
 * output. Two runs have the same hash exactly when every other option resolved to the same value, whether it was
 * given or defaulted, so a config read back from a result file compares equal to the one that wrote it.
 */
public final class ConfigHash {
    /** Keys that do not change what a job computes ({@code mode}: its name in configs recorded before --if-exists). */
    static final Set<String> IGNORED = Set.of("if_exists", "mode");

    private ConfigHash() {
    }

    /** {@code sha256:<hex>} of {@code config} (a map, a record or a JSON tree). */
    public static String of(Object config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical(config).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The top-level keys whose values differ between two configs, each as {@code key: a -> b}; empty when equal. */
    public static List<String> differences(Object a, Object b) {
        JsonNode x = tree(a);
        JsonNode y = tree(b);
        Set<String> keys = new TreeSet<>();
        x.fieldNames().forEachRemaining(keys::add);
        y.fieldNames().forEachRemaining(keys::add);
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!IGNORED.contains(k) && !canonical(x.path(k)).equals(canonical(y.path(k)))) {
                out.add(k + ": " + text(x.path(k)) + " -> " + text(y.path(k)));
            }
        }
        return out;
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() ? "(absent)" : n.toString();
    }

    private static JsonNode tree(Object config) {
        JsonNode n = config instanceof JsonNode j ? j : Json.mapper().valueToTree(config);
        if (n instanceof ObjectNode o) {
            ObjectNode copy = o.deepCopy();
            copy.remove(IGNORED);
            return copy;
        }
        return n;
    }

    private static String canonical(Object config) {
        return Json.line(sorted(tree(config)));
    }

    private static Object sorted(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new TreeMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), sorted(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(sorted(e)));
            return l;
        }
        return n;
    }
}
