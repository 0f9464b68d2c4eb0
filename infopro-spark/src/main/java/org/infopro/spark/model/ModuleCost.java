package org.infopro.spark.model;

/**
 * Forward FLOPs of a CIFAR ResNet's trunk units per image (2 per multiply-add of the convolutions; batch
 * norm, ReLU and the auxiliary heads are left out): what recomputing a frozen prefix costs, for the
 * sequential schedule's planner.
 */
public final class ModuleCost {
    private ModuleCost() {
    }

    /** Forward FLOPs per image of trunk units {@code first..last}. */
    public static long trunkFlops(ResNetSpec spec, int first, int last) {
        long flops = 0;
        for (int u = first; u <= last; u++) {
            int[] in = u == 0 ? spec.inputShape() : spec.shapeAfter(u - 1);
            int[] out = spec.shapeAfter(u);
            long pixels = (long) out[1] * out[2];
            if (u == 0) {
                flops += 2L * 9 * in[0] * out[0] * pixels;
                continue;
            }
            flops += 2L * 9 * in[0] * out[0] * pixels + 2L * 9 * out[0] * out[0] * pixels;
            if (in[0] != out[0] || in[1] != out[1]) {
                flops += 2L * in[0] * out[0] * pixels;
            }
        }
        return flops;
    }

    public static long moduleFlops(ResNetSpec spec, ModulePlan p) {
        return trunkFlops(spec, p.firstUnit(), p.lastUnit());
    }
}
