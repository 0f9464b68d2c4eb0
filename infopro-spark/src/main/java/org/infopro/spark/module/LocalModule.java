package org.infopro.spark.module;

import org.infopro.spark.measure.HeadMetrics;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.model.InfoProNetworkFactory;
import org.infopro.spark.model.ModuleNetworkFactory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.runtime.NativeMemory;
import org.infopro.spark.seed.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One gradient-isolated InfoPro module: a trunk segment with its auxiliary heads and local loss, in its
 * own DL4J network with its own updater. {@link #train} runs one forward pass, backpropagates only this
 * module's loss, updates only this module's parameters, and returns the trunk output of that same
 * forward pass as a detached {@link Handoff} for the next module.
 */
public final class LocalModule implements AutoCloseable {
    private final ModulePlan plan;
    private final ModuleNetworkFactory factory;
    private final ComputationGraph net;
    private final String trunkOutput;
    private final List<String> outputs;
    private final Capture capture = new Capture();
    private long forwardPasses;

    public LocalModule(ModulePlan plan, ModuleNetworkFactory factory) {
        this.plan = plan;
        this.factory = factory;
        this.net = factory.build(plan);
        this.trunkOutput = factory.trunkOutputOf(plan);
        if (net.getVertex(trunkOutput) == null) {
            net.close();
            throw new IllegalStateException("module " + (plan.index() + 1) + ": its network has no vertex '" + trunkOutput
                    + "' to hand on; the network family's trunkOutputOf must name the last trunk vertex its factory builds");
        }
        this.outputs = factory.outputsOf(plan);
        net.setListeners(capture);
    }

    public ModulePlan plan() {
        return plan;
    }

    /** The module's network, for inspection and checkpoints; training goes through {@link #train}. */
    public ComputationGraph network() {
        return net;
    }

    /** Forward passes this module has run (training and evaluation), to check no work is repeated. */
    public long forwardPasses() {
        return forwardPasses;
    }

    /**
     * One SGD step on this module's own loss: λ1·BCE + λ2·CE for a local module, CE for the last.
     * Returns the detached trunk output computed in this step's forward pass, or null for the last module.
     */
    public Handoff train(Handoff input, ImageBatch batch) {
        return train(input, batch, 0);
    }

    /**
     * {@link #train(Handoff, ImageBatch)} in the step whose augmentation seed is {@code stepSeed} ({@link Seeds#step}):
     * the module's dropout masks come from {@link Seeds#noise}, so every schedule and every retry of the step draws the same.
     */
    public Handoff train(Handoff input, ImageBatch batch, long stepSeed) {
        Nd4j.getRandom().setSeed(Seeds.noise(stepSeed, plan.index()));
        capture.armed = !plan.isLast();
        long ws = NativeMemory.workspaceBytes();
        net.fit(new MultiDataSet(new INDArray[]{input.activation()}, labels(batch), null, labelMasks(batch)));
        NativeMemory.settle(ws);
        forwardPasses++;
        capture.armed = false;
        if (plan.isLast()) {
            return null;
        }
        Handoff out = capture.taken;
        capture.taken = null;
        if (out == null) {
            throw new IllegalStateException(plan.name() + ": the forward pass did not expose " + trunkOutput);
        }
        return out;
    }

    /** Loss of the last training step (the module's total local loss, including L2). */
    public double lastLoss() {
        return net.score();
    }

    /** The result of evaluating one batch: the head sums and the hand-off for the next module. */
    public record Evaluated(HeadMetrics metrics, Handoff next) {
    }

    /** Inference-mode forward pass: head metrics on this batch (as the family measures them) and the detached trunk output. */
    public Evaluated evaluate(Handoff input, ImageBatch batch) {
        List<String> wanted = new ArrayList<>(outputs);
        if (!plan.isLast()) {
            wanted.add(trunkOutput);
        }
        long ws = NativeMemory.workspaceBytes();
        INDArray[] out = net.output(wanted, false, new INDArray[]{input.activation()}, null);
        NativeMemory.settle(ws);
        forwardPasses++;
        HeadMetrics metrics = factory.measure(plan, out, batch);
        Handoff next = plan.isLast() ? null : Handoff.detach(out[out.length - 1]);
        for (INDArray a : out) {
            a.close();
        }
        return new Evaluated(metrics, next);
    }

    /** Inference-mode trunk output only (no heads): the detached input of the next module. */
    public Handoff forward(Handoff input) {
        if (plan.isLast()) {
            throw new IllegalStateException(plan.name() + " is the last module; it has no output to hand on");
        }
        long ws = NativeMemory.workspaceBytes();
        INDArray[] out = net.output(List.of(trunkOutput), false, new INDArray[]{input.activation()}, null);
        NativeMemory.settle(ws);
        forwardPasses++;
        Handoff next = Handoff.detach(out[0]);
        out[0].close();
        return next;
    }

    public ModuleState state() {
        INDArray u = net.getUpdater().getStateViewArray();
        return new ModuleState(plan.index(), net.params().toFloatVector(), u == null ? new float[0] : u.toFloatVector(),
                net.getConfiguration().getIterationCount(), net.getConfiguration().getEpochCount());
    }

    public void load(ModuleState s) {
        if (s.params().length != net.numParams()) {
            throw new IllegalArgumentException(plan.name() + ": state has " + s.params().length + " parameters, network has "
                    + net.numParams() + "; the state comes from a different architecture.");
        }
        try (INDArray p = Nd4j.createFromArray(s.params()).reshape(1, s.params().length)) {
            net.setParams(p);
        }
        INDArray u = net.getUpdater().getStateViewArray();
        if (u != null && s.updater().length == u.length()) {
            try (INDArray src = Nd4j.createFromArray(s.updater()).reshape(u.shape())) {
                u.assign(src);
            }
        }
        net.getConfiguration().setIterationCount(s.iterations());
        net.getConfiguration().setEpochCount(s.epochs());
    }

    /** Releases the network's native memory (parameters, gradients, updater state). */
    @Override
    public void close() {
        net.close();
    }

    private INDArray[] labels(ImageBatch batch) {
        INDArray[] l = new INDArray[outputs.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = outputs.get(i).equals(InfoProNetworkFactory.RECONSTRUCTION) ? batch.pixels01() : batch.labels();
        }
        return l;
    }

    /** A segmentation batch's label mask for every per-pixel output (ignored pixels count for nothing); else none. */
    private INDArray[] labelMasks(ImageBatch batch) {
        if (batch.pixels() == null) {
            return null;
        }
        INDArray[] m = new INDArray[outputs.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = outputs.get(i).equals(InfoProNetworkFactory.RECONSTRUCTION) ? null : batch.pixels().mask();
        }
        return m;
    }

    /** Takes the trunk output out of the training forward pass, so it is never recomputed. */
    private final class Capture extends BaseTrainingListener {
        boolean armed;
        Handoff taken;

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            if (armed) {
                taken = Handoff.detach(activations.get(trunkOutput));
            }
        }
    }
}
