package org.infopro.spark.module;

import org.infopro.spark.measure.HeadMetrics;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModuleNetworkFactory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.Trunk;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The K local modules of one network, built where they are used (per Spark task, from this serialisable
 * description, never captured in a closure) and driven through the paper's simultaneous schedule. Closing it
 * releases every module's native memory.
 */
public final class ModuleStack implements AutoCloseable {

    /**
     * What it takes to build the modules anywhere: the trunk (of any {@link org.infopro.spark.model.NetworkFamily}),
     * its split, the optimiser settings and the heads.
     */
    public record Setup(Trunk spec, List<ModulePlan> plans, Hyper hyper, HeadSpec head) implements Serializable {
        public ModuleStack build() {
            ModuleNetworkFactory f = spec.networks(hyper, head);
            List<LocalModule> modules = new ArrayList<>(plans.size());
            for (ModulePlan p : plans) {
                modules.add(new LocalModule(p, f));
            }
            return new ModuleStack(modules);
        }

        /** Module {@code index} alone (the staggered schedule's tasks train one module each). */
        public LocalModule module(int index) {
            return new LocalModule(plans.get(index), spec.networks(hyper, head));
        }

        public int modules() {
            return plans.size();
        }

        /**
         * The same modules on inputs of {@code height}×{@code width} (whole-frame evaluation of a network trained on
         * crops): the units, weights and parameters stay, the shapes follow the input.
         */
        public Setup atInput(int height, int width) {
            int[] in = spec.inputShape();
            if (in[1] == height && in[2] == width) {
                return this;
            }
            Trunk t = spec.atInput(height, width);
            List<ModulePlan> resized = new ArrayList<>(plans.size());
            for (ModulePlan p : plans) {
                resized.add(p.on(t));
            }
            return new Setup(t, resized, hyper, head);
        }
    }

    private final List<LocalModule> modules;
    private double learningRate = Double.NaN;

    private ModuleStack(List<LocalModule> modules) {
        this.modules = modules;
    }

    public List<LocalModule> modules() {
        return modules;
    }

    public LocalModule module(int i) {
        return modules.get(i);
    }

    /**
     * One step of simultaneous InfoPro training: the batch goes forward through every module once; each
     * module backpropagates and applies only its own loss, and hands a detached activation onward.
     * {@code nanosPerModule[k]} accumulates the time spent in module k.
     */
    public void trainStep(ImageBatch batch, long[] nanosPerModule) {
        trainStep(batch, 0, modules.size() - 1, nanosPerModule);
    }

    /**
     * One training step of modules {@code first..last} only: {@code batch.features()} is the input of module
     * {@code first} (images for module 1, a detached activation of module {@code first - 1} otherwise).
     */
    public void trainStep(ImageBatch batch, int first, int last, long[] nanosPerModule) {
        trainStep(batch, first, last, nanosPerModule, 0);
    }

    /**
     * {@link #trainStep(ImageBatch, int, int, long[])} in the step seeded {@code stepSeed}
     * ({@link LocalModule#train(Handoff, ImageBatch, long)}).
     */
    public void trainStep(ImageBatch batch, int first, int last, long[] nanosPerModule, long stepSeed) {
        Handoff in = Handoff.images(batch.features());
        for (int k = first; k <= last; k++) {
            long t = System.nanoTime();
            Handoff next = modules.get(k).train(in, batch, stepSeed);
            nanosPerModule[k] += System.nanoTime() - t;
            in.close();
            in = next;
        }
        if (in != null) {
            in.close();
        }
    }

    /**
     * Inference through modules {@code from..upTo-1} (frozen: no update, batch-norm in inference mode), with
     * {@code batch.features()} the input of module {@code from}: the detached input of module {@code upTo}.
     */
    public Handoff forward(ImageBatch batch, int from, int upTo) {
        if (from == upTo) {
            return Handoff.detach(batch.features());
        }
        Handoff in = Handoff.images(batch.features());
        for (int k = from; k < upTo; k++) {
            Handoff next = modules.get(k).forward(in);
            in.close();
            in = next;
        }
        return in;
    }

    /** Validation sums of every module's heads on one batch; one inference pass per module. */
    public List<HeadMetrics> evaluate(ImageBatch batch) {
        return evaluate(batch, 0, modules.size() - 1);
    }

    /** Validation sums of modules {@code first..last}; {@code batch.features()} is the input of module {@code first}. */
    public List<HeadMetrics> evaluate(ImageBatch batch, int first, int last) {
        List<HeadMetrics> out = new ArrayList<>(last - first + 1);
        Handoff in = Handoff.images(batch.features());
        for (int k = first; k <= last; k++) {
            LocalModule.Evaluated e = modules.get(k).evaluate(in, batch);
            in.close();
            in = e.next();
            out.add(e.metrics());
        }
        if (in != null) {
            in.close();
        }
        return out;
    }

    public List<ModuleState> state() {
        List<ModuleState> s = new ArrayList<>(modules.size());
        for (LocalModule m : modules) {
            s.add(m.state());
        }
        return s;
    }

    public void load(List<ModuleState> states) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).load(states.get(i));
        }
    }

    @Override
    public void close() {
        modules.forEach(LocalModule::close);
    }

    /** Sets every module's learning rate; DL4J rebuilds its updater (keeping its state), so only on change. */
    public void setLearningRate(double lr) {
        if (lr == learningRate) {
            return;
        }
        for (LocalModule m : modules) {
            m.network().setLearningRate(lr);
        }
        learningRate = lr;
    }
}
