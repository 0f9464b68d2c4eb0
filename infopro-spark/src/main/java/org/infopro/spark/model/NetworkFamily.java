package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LossMode;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * A family of networks that InfoPro can split into local modules: the seam where a new architecture joins
 * every schedule. A family turns a run's settings into a {@link Trunk} (which says how its units split, what
 * shapes flow between modules, what a unit costs, and builds each module's network with its heads and local
 * loss through a {@link ModuleNetworkFactory}, which also says what validation measures). Schedules, tasks and
 * the spill store see only those types and never ask which family they run.
 * <p>Families are found with {@link ServiceLoader} under {@code META-INF/services}, so adding one is one
 * implementation of this interface, its trunk and its factory, plus one line in that file; {@code train --arch}
 * takes its {@link #name()}.
 */
public interface NetworkFamily extends Serializable {

    /** The {@code --arch} value. */
    String name();

    /** One line for {@code --help}. */
    String summary();

    /** The depth {@code --depth} means when it is not given. */
    int defaultDepth();

    /** Checks {@code depth} and {@code width} early, with a message naming the valid ones. */
    void check(int depth, double width);

    /**
     * Other {@code --arch} names of this family that fix the depth ({@code resnet101} = depth 101), in the order
     * {@code --help} lists them; none by default.
     */
    default Map<String, Integer> namedDepths() {
        return Map.of();
    }

    /** The family's training defaults for the options a user does not give ({@link Recipe#NONE}: the options' own). */
    default Recipe recipe() {
        return Recipe.NONE;
    }

    /**
     * True for a family that classifies every pixel (segmentation): it trains on datasets with masks, with per-pixel
     * labels and label masks, and validation scores it by a pixel confusion matrix. False by default.
     */
    default boolean perPixel() {
        return false;
    }

    /**
     * For a {@link #perPixel} family: the vertex of its whole network whose activation is the per-pixel logits at the
     * input size, which sliding-window inference averages; null for the others.
     */
    default String pixelLogits() {
        return null;
    }

    /** Refuses, at config validation, a local loss this family has no variant of; every loss is fine by default. */
    default void checkLoss(LossMode loss) {
    }

    /** For {@link #checkLoss}: refuses a contrastive loss for family {@code name}, where the InfoPro reference {@code why}. */
    static void refuseContrastive(LossMode loss, String name, String why) {
        if (loss.contrastive()) {
            throw new ConfigException("train: --loss " + loss.label() + " is not available for --arch " + name + ": the InfoPro "
                    + "reference " + why + "; use --loss infopro-softmax, or --loss greedy / --loss e2e --splits none for the "
                    + "baselines.");
        }
    }

    /**
     * Refuses, with the fix, a network input of {@code height}×{@code width} that this family cannot take; {@code what}
     * names where the size comes from (for example {@code --crop 200}). Any size is fine by default.
     */
    default void checkInput(int height, int width, String what) {
    }

    /** How results name the network: {@code ResNet-50}, with the width multiplier whenever it is not 1. */
    default String label(int depth, double width) {
        return name() + "-" + depth + widthSuffix(width);
    }

    /** {@code " (width 0.25)"} for a width other than 1, else empty. */
    static String widthSuffix(double width) {
        return width == 1 ? "" : " (width " + new java.math.BigDecimal(Double.toString(width)).stripTrailingZeros().toPlainString() + ")";
    }

    /**
     * The trunk for {@code depth} at channel multiplier {@code width} on inputs of shape {@code chw}
     * (channels, height, width) with {@code numClasses} classes.
     */
    Trunk trunk(int depth, double width, int[] chw, int numClasses);

    /** The family called {@code name}, or a ConfigException listing the families there are. */
    static NetworkFamily named(String name) {
        TreeMap<String, NetworkFamily> all = all();
        NetworkFamily f = all.get(name.trim());
        if (f == null) {
            throw new ConfigException("train: invalid --arch '" + name + "': expected one of " + String.join(", ", all.keySet()) + ".");
        }
        return f;
    }

    /** What an {@code --arch} value names: a family, and the depth when the value is one of its {@link #namedDepths()}. */
    record Arch(NetworkFamily family, OptionalInt depth) {
    }

    /** The family (and depth) {@code --arch name} means: a family's name or one of its named depths; else a ConfigException. */
    static Arch resolve(String name) {
        TreeMap<String, NetworkFamily> all = all();
        String n = name.trim();
        if (all.containsKey(n)) {
            return new Arch(all.get(n), OptionalInt.empty());
        }
        for (NetworkFamily f : all.values()) {
            Integer depth = f.namedDepths().get(n);
            if (depth != null) {
                return new Arch(f, OptionalInt.of(depth));
            }
        }
        List<String> names = new ArrayList<>(all.keySet());
        all.values().forEach(f -> names.addAll(f.namedDepths().keySet()));
        throw new ConfigException("train: invalid --arch '" + name + "': expected one of " + String.join(", ", names) + ".");
    }

    /** Every family on the class path, by name. */
    static TreeMap<String, NetworkFamily> all() {
        TreeMap<String, NetworkFamily> byName = new TreeMap<>();
        List<NetworkFamily> found = new ArrayList<>();
        ServiceLoader.load(NetworkFamily.class, NetworkFamily.class.getClassLoader()).forEach(found::add);
        for (NetworkFamily f : found) {
            byName.put(f.name(), f);
        }
        return byName;
    }
}
