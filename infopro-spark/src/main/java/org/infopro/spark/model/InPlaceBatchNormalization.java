package org.infopro.spark.model;

/**
 * Batch norm for an input nothing else reads: the output of a convolution that feeds only this layer (the
 * second convolution of a residual block and the projection shortcut, both ahead of the residual add). On the
 * CPU backend a training forward pass writes its output over that input and the backward pass recovers the
 * normalised input from the output ({@link ChannelBatchNormHelper}), so the network keeps one activation
 * tensor for the pair instead of two, as PyTorch does (it frees the batch-norm output, which its add does
 * not save). Gradients equal {@link DecayedBatchNormalization}'s within float rounding.
 */
public class InPlaceBatchNormalization extends DecayedBatchNormalization {

    /** For JSON. */
    public InPlaceBatchNormalization() {
        super();
    }

    @Override
    protected boolean overwritesInput() {
        return true;
    }

    @Override
    public InPlaceBatchNormalization clone() {
        return (InPlaceBatchNormalization) super.clone();
    }
}
