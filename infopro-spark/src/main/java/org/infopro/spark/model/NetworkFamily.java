package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
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
