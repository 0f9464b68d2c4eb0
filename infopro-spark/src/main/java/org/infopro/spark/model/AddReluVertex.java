package org.infopro.spark.model;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code relu(a + b)}: DL4J's add, then the ReLU in place on the sum, so only the output is kept for the
 * backward pass. The gradient {@code step(out) · ε} goes to both inputs (the second gets its own copy, because
 * DL4J accumulates gradients in place where a vertex feeds several others).
 */
public class AddReluVertex extends ElementWiseVertex {
    private INDArray output;

    public AddReluVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, Op.Add, dataType);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
        INDArray out = ReluMask.reluInPlace(super.doForward(training, mgr));
        output = training ? out : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
        if (output == null || !canDoBackward()) {
            throw new IllegalStateException("AddRelu vertex " + getVertexName() + ": backward pass without a training forward pass");
        }
        INDArray g = ReluMask.mask(output, epsilon,
                mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c'));
        output = null;
        return new Pair<>(null, new INDArray[]{g, mgr.dup(ArrayType.ACTIVATION_GRAD, g)});
    }

    @Override
    public void clear() {
        super.clear();
        output = null;
    }
}
