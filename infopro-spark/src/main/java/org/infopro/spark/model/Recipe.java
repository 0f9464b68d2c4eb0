package org.infopro.spark.model;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A network family's training recipe: what {@code train}'s options mean for this family when the user does not
 * give them. {@code defaults} holds option values by option name, as the text a user would type (read and checked by
 * the option itself, so a recipe can say nothing an option would refuse); {@code learningRate}, when present, is the
 * default {@code --lr} scaled linearly with the global batch. An option the recipe does not name keeps the option's
 * own default, so {@link #NONE} leaves every default as it is.
 */
public record Recipe(String source, Map<String, String> defaults, Optional<ScaledLearningRate> learningRate)
        implements Serializable {
    /** No recipe of its own: every option keeps its default. */
    public static final Recipe NONE = new Recipe("the options' defaults", Map.of(), Optional.empty());

    public Recipe {
        defaults = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
    }

    /**
     * A learning rate of {@code rate} for a global batch of {@code batch} images, scaled linearly with the global
     * batch (Goyal et al. 2017, "Accurate, Large Minibatch SGD").
     */
    public record ScaledLearningRate(double rate, int batch) implements Serializable {
        public double forGlobalBatch(long globalBatch) {
            return rate * globalBatch / batch;
        }
    }

    /** The recipe's default text for the option called {@code option}, or null when it has none. */
    public String defaultFor(String option) {
        return defaults.get(option);
    }

    /** One line for {@code --help}: {@code --lr 0.4 x global batch/1024, --crop 224, ...}. */
    public String describe() {
        String lr = learningRate.map(s -> "--lr " + s.rate() + " × global batch/" + s.batch()).orElse(null);
        String rest = defaults.entrySet().stream().map(e -> "--" + e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        return lr == null ? rest : rest.isEmpty() ? lr : lr + ", " + rest;
    }
}
