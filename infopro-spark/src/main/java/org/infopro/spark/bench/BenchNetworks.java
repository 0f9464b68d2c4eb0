package org.infopro.spark.bench;

import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.NetworkFamily;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.model.Trunk;
import org.infopro.spark.module.ModuleStack;

import java.util.List;

/**
 * The networks the benchmarks train: a CIFAR ResNet (32x32x3, 10 classes) end-to-end, or split by a reference
 * table into K InfoPro modules with the reference's 1c2f heads and its shipped λ for CIFAR-10 (λ 5,1,0,1 where
 * none is shipped); SGD with Nesterov momentum 0.9, lr 0.1, weight decay 1e-4 on every parameter.
 */
final class BenchNetworks {
    static final Hyper HYPER = new Hyper(0, 0.1, 0.9, 1e-4);
    static final AuxNet AUX_NET = AuxNet.C1F2;

    private BenchNetworks() {
    }

    static ResNetSpec cifar(int depth) {
        return new ResNetSpec(depth, 32, 32, 3, 10);
    }

    /**
     * An ImageNet ResNet ({@code arch} resnet50|101|152 at {@code width}) on {@code crop}x{@code crop}x3 input, 1000
     * classes, configured exactly as {@code train} configures it from these arguments (the family's recipe: its split
     * table, its λ from conf/infopro-lambdas.json, its optimiser), and built as TrainJob builds it; {@code extra} adds
     * train options, e.g. {@code --loss e2e --splits none}.
     */
    static ModuleStack.Setup imagenet(String arch, double width, int crop, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--dataset", "bench", "--out", "bench", "--arch", arch, "--width",
                Double.toString(width), "--crop", Integer.toString(crop)));
        args.addAll(List.of(extra));
        TrainConfig cfg = TrainConfig.fromArgs(args.toArray(String[]::new));
        Trunk trunk = NetworkFamily.named(cfg.arch()).trunk(cfg.depth(), cfg.width(), new int[]{3, crop, crop}, 1000);
        List<ModulePlan> plans = ModulePlan.plan(trunk, cfg.splits(), cfg.effectiveLambda());
        return new ModuleStack.Setup(trunk, plans, new Hyper(cfg.seed(), cfg.learningRate(), cfg.momentum(), cfg.weightDecay()),
                cfg.head());
    }

    /** End-to-end when {@code splits} is empty, else InfoPro with local loss {@code infoproLoss}. */
    static ModuleStack.Setup setup(ResNetSpec spec, List<SplitPoint> splits, LossMode infoproLoss) {
        int k = splits.size() + 1;
        LossMode mode = method(k, infoproLoss);
        return new ModuleStack.Setup(spec, ModulePlan.plan(spec, splits, lambda(spec.depth(), k)), HYPER, HeadSpec.of(mode, AUX_NET));
    }

    /** The loss mode of a network of {@code k} modules. */
    static LossMode method(int k, LossMode infoproLoss) {
        return k == 1 ? LossMode.E2E : infoproLoss;
    }

    /** The λ schedule: none for end-to-end, else the reference's shipped CIFAR-10 one, else 5,1,0,1. */
    static LambdaSchedule lambda(int depth, int k) {
        if (k == 1) {
            return new LambdaSchedule(0, 0, 0, 0);
        }
        try {
            return ReferenceTables.lambda("cifar10", "infopro", depth, k);
        } catch (RuntimeException e) {
            return new LambdaSchedule(5, 1, 0, 1);
        }
    }
}
