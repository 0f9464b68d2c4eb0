package org.infopro.spark.bench;

import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.module.ModuleStack;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The step benchmark compares engines only when both train networks of the same size; these are our side's counts
 * (the networks bench-step builds, {@link StepBench#trainableParams}) against a count by hand from the layer list,
 * and against the totals PyTorch's {@code parameters()} gives for the same networks in submit/bench/step_torch.py
 * (its {@code build}), which were computed once and are pinned here.
 */
class StepBenchParametersTest {
    private static final int[] WIDTHS = {16, 16, 32, 64};

    private static long[] ours(int depth, int k) {
        ResNetSpec spec = BenchNetworks.cifar(depth);
        List<SplitPoint> splits = k == 1 ? List.of() : ReferenceTables.splits("infopro", depth, k);
        ModuleStack.Setup setup = BenchNetworks.setup(spec, splits, LossMode.INFOPRO_CONTRAST);
        try (ModuleStack stack = setup.build()) {
            return stack.modules().stream().mapToLong(m -> StepBench.trainableParams(m.network())).toArray();
        }
    }

    /** By hand: stem, basic blocks (1x1 conv + BN projection where the shape changes), and the module's heads. */
    private static long[] byHand(int depth, int k) {
        ResNetSpec spec = BenchNetworks.cifar(depth);
        List<SplitPoint> splits = k == 1 ? List.of() : ReferenceTables.splits("infopro", depth, k);
        List<ModulePlan> plans = ModulePlan.plan(spec, splits, BenchNetworks.lambda(depth, k));
        int n = (depth - 2) / 6;
        long[] out = new long[plans.size()];
        for (ModulePlan p : plans) {
            long total = 0;
            int c = p.inputShape()[0];
            for (int u = p.firstUnit(); u <= p.lastUnit(); u++) {
                if (u == 0) {
                    total += 3 * 16 * 9 + 2 * 16;
                    c = 16;
                    continue;
                }
                int w = WIDTHS[1 + (u - 1) / n];
                total += (long) c * w * 9 + 2 * w + (long) w * w * 9 + 2 * w;
                if (c != w) {
                    total += (long) c * w + 2 * w;
                }
                c = w;
            }
            if (p.isLast()) {
                total += 64 * 10 + 10;
            } else {
                if (p.weights().reconstruction() > 0) {
                    total += (long) c * 12 * 9 + 12 + 2 * 12 + 12 * 3 * 9 + 3;
                }
                if (p.weights().task() > 0) {
                    int c2 = c >= 64 ? c : 2 * c;
                    total += (long) c * c2 * 9 + 2 * c2 + (long) c2 * 128 + 128 + 128 * 128 + 128;
                }
            }
            out[p.index()] = total;
        }
        return out;
    }

    @Test
    void resNet32ModulesHaveTheParametersCountedByHandAndByPyTorch() {
        long[] pytorch = {466_906, 514_117, 585_307, 749_340};
        int[] ks = {1, 2, 4, 8};
        for (int i = 0; i < ks.length; i++) {
            long[] ours = ours(32, ks[i]);
            assertArrayEquals(byHand(32, ks[i]), ours, "ResNet-32 K=" + ks[i]);
            assertEquals(pytorch[i], Arrays.stream(ours).sum(), "ResNet-32 K=" + ks[i] + " against step_torch.py");
        }
        assertArrayEquals(new long[]{104_123, 409_994}, ours(32, 2));
    }

    @Test
    void resNet110ModulesHaveTheParametersCountedByHandAndByPyTorch() {
        long[] pytorch = {1_730_714, 1_777_925, 1_841_840, 2_032_860};
        int[] ks = {1, 2, 4, 8};
        for (int i = 0; i < ks.length; i++) {
            long[] ours = ours(110, ks[i]);
            assertArrayEquals(byHand(110, ks[i]), ours, "ResNet-110 K=" + ks[i]);
            assertEquals(pytorch[i], Arrays.stream(ours).sum(), "ResNet-110 K=" + ks[i] + " against step_torch.py");
        }
    }
}
