package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch norm and ReLU in one layer. A separate ReLU layer needs its own output array while the network keeps
 * the batch-norm output for the backward pass; here the ReLU runs in place on the batch-norm output, as
 * PyTorch's {@code ReLU(inplace=True)} does, so a conv-BN-ReLU keeps two activation tensors instead of three.
 * The backward masks the gradient with {@link ReluMask} from the layer's own output, then runs batch norm's
 * backward: the same values as the two layers apart.
 */
public class BatchNormReluLayer extends BatchNormalization {
    /** This step's output, which the network holds for the next layer anyway; only during training. */
    private INDArray output;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        INDArray out = ReluMask.reluInPlace(super.activate(training, mgr));
        output = training ? out : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        if (output == null) {
            throw new IllegalStateException("BatchNormRelu layer " + getIndex() + ": backward pass without a training forward pass");
        }
        INDArray masked = ReluMask.mask(output, epsilon, mgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
                epsilon.dataType(), epsilon.shape(), 'c'));
        output = null;
        return super.backpropGradient(masked, mgr);
    }

    @Override
    public void clear() {
        super.clear();
        output = null;
    }
}
