package org.infopro.spark.model;

import org.infopro.spark.loss.LossMode;

import java.io.Serializable;

/** How local modules are supervised: the loss mode, the auxiliary net, and SupCon's temperature. */
public record HeadSpec(LossMode mode, AuxNet auxNet, double temperature) implements Serializable {
    public static final double SUPCON_TEMPERATURE = 0.07;

    public static HeadSpec of(LossMode mode, AuxNet auxNet) {
        return new HeadSpec(mode, auxNet, SUPCON_TEMPERATURE);
    }
}
