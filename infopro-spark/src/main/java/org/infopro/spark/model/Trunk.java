package org.infopro.spark.model;

/**
 * A network trunk as a sequence of units (unit 0 is the stem, then the residual blocks in order), which
 * is all that splitting it into local modules needs.
 */
public interface Trunk {
    /** Depth in the ResNet naming (for messages and split tables). */
    int depth();

    int units();

    /** The unit after which split point {@code p} ends a module; throws a ConfigException if it does not exist. */
    int unitOf(SplitPoint p);

    /** Shape {channels, height, width} of the activation after {@code unit}. */
    int[] shapeAfter(int unit);

    /** Shape {channels, height, width} of the network input. */
    int[] inputShape();
}
