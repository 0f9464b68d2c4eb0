package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LambdaSchedule;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One gradient-isolated local module: trunk units {@code [firstUnit, lastUnit]} of a {@link Trunk},
 * the shapes it consumes and produces, and its loss weights (null for the last module, which trains on
 * plain cross-entropy through the network's own head).
 */
public record ModulePlan(int index, int count, int firstUnit, int lastUnit, int[] inputShape, int[] outputShape,
                         LambdaSchedule.Weights weights) implements Serializable {

    public boolean isLast() {
        return index == count - 1;
    }

    /** Module {@code index} of {@code count}: units {@code first..last} of {@code trunk}, with the shapes that flow there. */
    public static ModulePlan of(int index, int count, int first, int last, Trunk trunk, LambdaSchedule.Weights weights) {
        int[] in = first == 0 ? trunk.inputShape() : trunk.shapeAfter(first - 1);
        return new ModulePlan(index, count, first, last, in, trunk.shapeAfter(last), weights);
    }

    /** This module of {@code trunk}: the same units and weights, with that trunk's shapes (another input size). */
    public ModulePlan on(Trunk trunk) {
        return of(index, count, firstUnit, lastUnit, trunk, weights);
    }

    /** Human-readable module id, 1-based as in the paper. */
    public String name() {
        return "module-" + (index + 1);
    }

    /**
     * Splits the trunk at {@code splits} into K = splits+1 modules. Split points must be distinct, in
     * increasing order, and leave at least one block for the last module; every local module needs a
     * non-zero λ1 or λ2.
     */
    public static List<ModulePlan> plan(Trunk spec, List<SplitPoint> splits, LambdaSchedule lambdas) {
        int k = splits.size() + 1;
        List<ModulePlan> plans = new ArrayList<>(k);
        int first = 0;
        int prevUnit = -1;
        for (int i = 0; i < k; i++) {
            int last;
            if (i < k - 1) {
                SplitPoint p = splits.get(i);
                last = spec.unitOf(p);
                if (last <= prevUnit) {
                    throw new ConfigException("split points must increase: " + p + " does not come after " + splits.get(i - 1)
                            + ". Write them in network order, for example '1,2;2,1;3,0'.");
                }
                if (last >= spec.units() - 1) {
                    throw new ConfigException("split point " + p + " is the last block of ResNet-" + spec.depth()
                            + "; the last module needs at least one block. Choose an earlier point.");
                }
                prevUnit = last;
            } else {
                last = spec.units() - 1;
            }
            LambdaSchedule.Weights w = i < k - 1 ? lambdas.forModule(i, k) : null;
            if (w != null && w.reconstruction() == 0 && w.task() == 0) {
                throw new ConfigException("local module " + (i + 1) + " of " + k + " gets λ1 = λ2 = 0 from --lambda, so it would not learn. "
                        + "Give it a reconstruction or task weight.");
            }
            plans.add(of(i, k, first, last, spec, w));
            first = last + 1;
        }
        return plans;
    }
}
