package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.List;

/** Builds the DL4J network of one local module of some trunk, with its heads. */
public interface ModuleNetworkFactory {
    ComputationGraph build(ModulePlan plan);

    HeadSpec head();

    /** The vertex whose activation the module hands to the next one. */
    String trunkOutputOf(ModulePlan plan);

    /** The module's output vertices, in the order its labels are given. */
    List<String> outputsOf(ModulePlan plan);
}
