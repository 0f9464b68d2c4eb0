package org.infopro.spark.module;

import java.io.Serializable;

/**
 * Everything that makes a module resume exactly: flattened parameters (including batch-norm running
 * statistics), the updater's state (momentum), and its iteration and epoch counters. Plain arrays, so
 * the driver can hold it, broadcast it and checkpoint it without a network.
 */
public record ModuleState(int module, float[] params, float[] updater, int iterations, int epochs) implements Serializable {
}
