package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.measure.HeadMetrics;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Builds the DL4J network of one local module of some trunk, with its heads and their local losses, and says
 * what validating those heads measures.
 */
public interface ModuleNetworkFactory {
    ComputationGraph build(ModulePlan plan);

    HeadSpec head();

    /** The vertex whose activation the module hands to the next one. */
    String trunkOutputOf(ModulePlan plan);

    /** The module's output vertices, in the order its labels are given. */
    List<String> outputsOf(ModulePlan plan);

    /**
     * Validation sums of one batch from the module's inference outputs ({@code values[i]} is output
     * {@code outputsOf(plan).get(i)}): classification accuracy and cross-entropy, SupCon, reconstruction BCE.
     */
    default HeadMetrics measure(ModulePlan plan, INDArray[] values, ImageBatch batch) {
        return ClassifierHeads.measure(plan, head(), outputsOf(plan), values, batch);
    }
}
