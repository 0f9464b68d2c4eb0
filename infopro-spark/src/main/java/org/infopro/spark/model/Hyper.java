package org.infopro.spark.model;

import java.io.Serializable;

/** Optimiser settings every module's network is built with: SGD with Nesterov momentum and L2. */
public record Hyper(long seed, double learningRate, double momentum, double weightDecay) implements Serializable {
}
