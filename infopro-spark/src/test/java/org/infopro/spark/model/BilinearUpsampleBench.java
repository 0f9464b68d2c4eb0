package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Milliseconds per call of {@link BilinearUpsampleLayer} against the separable products it replaced
 * ({@link BilinearUpsampleReference}), forward and backward, at batch 128 on the decoder shapes of profile
 * section 6. Each call runs in a reused workspace, as in a training step; old and new alternate within every
 * round so the load of a shared machine hits both, and the median over the rounds counts. Not a test:
 * {@code submit/bench-kernels.sh upsample} runs its {@code main} single-threaded ({@code OMP_NUM_THREADS=1}); the
 * only argument is the number of rounds.
 * The last column is the backward as one GEMM with the Kronecker matrix {@code A_h ⊗ A_w} (profile suggestion
 * for 8x8 inputs), measured here because the layer does not use it.
 */
public final class BilinearUpsampleBench {

    private static final int BATCH = 128;
    /** channels, input side, output side */
    private static final int[][] CASES = {{16, 16, 32}, {32, 16, 32}, {64, 8, 32}, {16, 8, 32}, {16, 32, 32}};

    /** DL4J's per-layer working-memory workspace settings. */
    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT).policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).build();

    private BilinearUpsampleBench() {
    }

    private static LayerWorkspaceMgr manager(String ws) {
        LayerWorkspaceMgr.Builder b = LayerWorkspaceMgr.builder();
        for (ArrayType t : new ArrayType[]{ArrayType.INPUT, ArrayType.ACTIVATIONS, ArrayType.ACTIVATION_GRAD,
                ArrayType.FF_WORKING_MEM, ArrayType.BP_WORKING_MEM}) {
            b.with(t, ws, WS);
        }
        return b.build();
    }

    /** dX [n·c, h·w] = dY [n·c, oh·ow] · (A_h ⊗ A_w), the Kronecker matrix built each call as the layer would. */
    static INDArray kroneckerBackward(INDArray dy, int h, int w) {
        long n = dy.size(0), c = dy.size(1);
        int oh = (int) dy.size(2), ow = (int) dy.size(3);
        INDArray ah = BilinearUpsampleLayer.weights(oh, h, dy.dataType());
        INDArray aw = BilinearUpsampleLayer.weights(ow, w, dy.dataType());
        INDArray k = ah.reshape(oh, 1, h, 1).mul(aw.reshape(1, ow, 1, w)).reshape('c', (long) oh * ow, (long) h * w);
        INDArray eps = Nd4j.createUninitialized(dy.dataType(), new long[]{n, c, h, w}, 'c');
        dy.reshape('c', n * c, (long) oh * ow).mmuli(k, eps.reshape('c', n * c, (long) h * w));
        return eps;
    }

    private static double millis(String ws, Supplier<INDArray> call) {
        long t0 = System.nanoTime();
        try (MemoryWorkspace w = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, ws)) {
            call.get();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The median of {@code v}; the other kernel benchmarks use it too. */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int warmup = 3;
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(Locale.ROOT, "batch %d, %d rounds after %d warm-up, OMP_NUM_THREADS=%s, load before: %s%n", BATCH, rounds,
                warmup, System.getenv("OMP_NUM_THREADS"), load0);
        System.out.println("| case | old fwd | new fwd | new/old | old bwd | new bwd | new/old | Kronecker bwd |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        Nd4j.getRandom().setSeed(1);
        for (int[] cs : CASES) {
            int c = cs[0], h = cs[1], o = cs[2];
            INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, c, h, h);
            INDArray g = Nd4j.rand(DataType.FLOAT, BATCH, c, o, o);
            NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().layer(new BilinearUpsample("up", o, o)).build();
            BilinearUpsampleLayer layer = new BilinearUpsampleLayer(conf, DataType.FLOAT);
            LayerWorkspaceMgr fwdMgr = manager("BENCH_NEW_FWD");
            LayerWorkspaceMgr bwdMgr = manager("BENCH_NEW_BWD");
            layer.setInput(x, fwdMgr);
            double[][] t = new double[5][rounds];
            for (int r = -warmup; r < rounds; r++) {
                double[] v = new double[5];
                // alternate which side goes first so a burst of load does not always hit the same one
                boolean oldFirst = (r & 1) == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == oldFirst) {
                        v[0] = millis("BENCH_OLD_FWD", () -> BilinearUpsampleReference.forward(x, o, o));
                        v[2] = millis("BENCH_OLD_BWD", () -> BilinearUpsampleReference.backward(g, h, h));
                    } else {
                        v[1] = millis("BENCH_NEW_FWD", () -> layer.activate(true, fwdMgr));
                        v[3] = millis("BENCH_NEW_BWD", () -> layer.backpropGradient(g, bwdMgr).getSecond());
                    }
                }
                v[4] = millis("BENCH_KRON_BWD", () -> kroneckerBackward(g, h, h));
                if (r >= 0) {
                    for (int k = 0; k < v.length; k++) {
                        t[k][r] = v[k];
                    }
                }
            }
            double of = median(t[0]), nf = median(t[1]), ob = median(t[2]), nb = median(t[3]), kb = median(t[4]);
            System.out.printf(Locale.ROOT, "| %dch %dx%d -> %dx%d | %.2f | %.2f | %.3f | %.2f | %.2f | %.3f | %.2f |%n", c, h, h, o, o, of, nf,
                    nf / of, ob, nb, nb / ob, kb);
        }
        System.out.printf(Locale.ROOT, "load after: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
    }
}
