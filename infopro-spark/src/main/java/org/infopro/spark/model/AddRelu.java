package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The end of a residual block, {@code relu(a + b)}, as one graph vertex ({@link AddReluVertex}): DL4J's
 * element-wise add vertex followed by a ReLU layer keeps both the sum and its ReLU for the backward pass.
 */
public class AddRelu extends ElementWiseVertex {

    /** Also for JSON deserialisation of saved networks. */
    public AddRelu() {
        super(Op.Add);
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new AddReluVertex(graph, name, idx, networkDatatype);
    }

    @Override
    public AddRelu clone() {
        return new AddRelu();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddRelu;
    }

    @Override
    public int hashCode() {
        return AddRelu.class.hashCode();
    }
}
