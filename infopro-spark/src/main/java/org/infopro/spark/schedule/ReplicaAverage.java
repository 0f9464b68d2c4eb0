package org.infopro.spark.schedule;

import org.infopro.spark.module.ModuleState;
import org.infopro.spark.task.RoundTask;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The driver's synchronisation of data-parallel replicas: every module's parameters (batch-norm running
 * statistics included) and updater state (momentum) become the element-wise mean over the replicas, which
 * all started the round from the same state and ran the same number of steps. Summed in double, in replica
 * order, so the result does not depend on which task finished first.
 * <p>
 * {@link #mean(List, int, int, float[], int)} is the one arithmetic kernel: this driver-side average and the
 * distributed reduce-scatter ({@link ReplicaReduction}) both call it, element by element on the same operands in
 * the same order, so the two give bit-identical states.
 */
public final class ReplicaAverage {
    private ReplicaAverage() {
    }

    public static List<ModuleState> of(List<RoundTask.Outcome> outcomes) {
        List<RoundTask.Outcome> sorted = new ArrayList<>(outcomes);
        sorted.sort(Comparator.comparingInt(RoundTask.Outcome::replica));
        int modules = sorted.get(0).state().size();
        List<ModuleState> out = new ArrayList<>(modules);
        for (int m = 0; m < modules; m++) {
            List<ModuleState> replicas = new ArrayList<>();
            for (RoundTask.Outcome o : sorted) {
                replicas.add(o.state().get(m));
            }
            out.add(module(m, replicas));
        }
        return out;
    }

    /** Module {@code m}'s mean over {@code replicas}, given in replica order. */
    public static ModuleState module(int m, List<ModuleState> replicas) {
        ModuleState first = replicas.get(0);
        for (ModuleState s : replicas) {
            if (s.iterations() != first.iterations() || s.params().length != first.params().length
                    || s.updater().length != first.updater().length) {
                throw new IllegalStateException("module " + (m + 1) + ": replicas disagree on shape or step ("
                        + s.iterations() + " vs " + first.iterations() + "); rounds must run equal steps");
            }
        }
        return new ModuleState(first.module(), mean(replicas.stream().map(ModuleState::params).toList()),
                mean(replicas.stream().map(ModuleState::updater).toList()), first.iterations(), first.epochs());
    }

    /** The element-wise mean of equally long arrays, given in replica order. */
    static float[] mean(List<float[]> inReplicaOrder) {
        float[] out = new float[inReplicaOrder.get(0).length];
        mean(inReplicaOrder, 0, out.length, out, 0);
        return out;
    }

    /**
     * The kernel: {@code out[at + i] = (float) (sum over replicas r, in list order, of (double) a_r[from + i]) / N} for
     * {@code i} in [0, {@code length}), summed from 0.0 in double. Element-wise, so any cut of the vector into pieces
     * gives the same floats as the whole.
     */
    static void mean(List<float[]> inReplicaOrder, int from, int length, float[] out, int at) {
        int n = inReplicaOrder.size();
        double[] acc = new double[length];
        for (float[] a : inReplicaOrder) {
            for (int i = 0; i < length; i++) {
                acc[i] += a[from + i];
            }
        }
        for (int i = 0; i < length; i++) {
            out[at + i] = (float) (acc[i] / n);
        }
    }
}
