package org.infopro.spark.module;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient boundary: the activation one module hands to the next. It is a copy held outside any
 * workspace and outside the producing network, so nothing the next module does (its forward pass, its
 * backward pass, its update) can reach back into the module that produced it. Only
 * {@link #detach(INDArray)} creates one from a module's activation; {@link #images(INDArray)} wraps the
 * network input for the first module.
 */
public final class Handoff implements AutoCloseable {
    private final INDArray activation;
    private final boolean owned;

    private Handoff(INDArray activation, boolean owned) {
        this.activation = activation;
        this.owned = owned;
    }

    /** The one place a module output crosses to the next module: a detached, independent copy. */
    static Handoff detach(INDArray moduleOutput) {
        return new Handoff(moduleOutput.dup('c'), true);
    }

    /** The input of module 1: the normalised images, owned by their batch. */
    public static Handoff images(INDArray features) {
        return new Handoff(features, false);
    }

    public INDArray activation() {
        return activation;
    }

    @Override
    public void close() {
        if (owned && !activation.wasClosed()) {
            activation.close();
        }
    }
}
