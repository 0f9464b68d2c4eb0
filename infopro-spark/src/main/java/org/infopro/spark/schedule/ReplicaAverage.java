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
        return new ModuleState(first.module(), mean(replicas, true), mean(replicas, false), first.iterations(), first.epochs());
    }

    private static float[] mean(List<ModuleState> states, boolean params) {
        int n = (params ? states.get(0).params() : states.get(0).updater()).length;
        double[] acc = new double[n];
        for (ModuleState s : states) {
            float[] a = params ? s.params() : s.updater();
            for (int i = 0; i < n; i++) {
                acc[i] += a[i];
            }
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (acc[i] / states.size());
        }
        return out;
    }
}
