package org.infopro.spark.model;

import java.io.Serializable;

/**
 * A network trunk of some {@link NetworkFamily} as a sequence of units (unit 0 is the stem, then the residual
 * blocks in order): how it splits into local modules, the shapes that flow between them, what a unit costs,
 * and the factory of its modules' networks. Serialisable: tasks build their networks from it.
 */
public interface Trunk extends Serializable {
    /** The {@link NetworkFamily#name()} of the family this trunk belongs to. */
    String family();

    /** Depth in the ResNet naming (for messages and split tables). */
    int depth();

    int units();

    /** The unit after which split point {@code p} ends a module; throws a ConfigException if it does not exist. */
    int unitOf(SplitPoint p);

    /** Shape {channels, height, width} of the activation after {@code unit}. */
    int[] shapeAfter(int unit);

    /** Shape {channels, height, width} of the network input. */
    int[] inputShape();

    int numClasses();

    /** Forward FLOPs per image of units {@code first..last} (2 per multiply-add of the convolutions). */
    long flops(int first, int last);

    /**
     * The same network on inputs of {@code height}×{@code width} (whole-frame evaluation of a network trained on crops);
     * a trunk whose networks depend on the input size returns itself only for its own size.
     */
    default Trunk atInput(int height, int width) {
        int[] in = inputShape();
        if (in[1] != height || in[2] != width) {
            throw new IllegalArgumentException(family() + " networks are built for " + in[1] + "x" + in[2] + " inputs, not "
                    + height + "x" + width);
        }
        return this;
    }

    /** The factory of this trunk's module networks, with their heads and local losses. */
    ModuleNetworkFactory networks(Hyper hyper, HeadSpec head);
}
