package org.infopro.spark.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Milliseconds per call of batch norm's per-channel passes: {@link ChannelKernels} against the libnd4j ops that
 * {@link ChannelBatchNormHelper} ran before (and still runs for other tensors), at batch 128 on the three stage
 * shapes of a CIFAR ResNet. The four passes of one training step's batch norm:
 * <ul>
 *   <li>statistics: {@code moments} over dimensions 0, 2, 3 against {@link ChannelKernels#moments};</li>
 *   <li>normalisation: libnd4j's {@code batchnorm} (oneDNN, plain layout) against a scale and shift;</li>
 *   <li>backward sums: a multiply and two row sums against one pass for Σg and Σg·x;</li>
 *   <li>backward map: two {@code batchnorm} scale-and-shifts and an add against one {@code a·g + b·x + c}.</li>
 * </ul>
 * Old and new alternate within every round, and which goes first alternates between rounds, so a burst of load on a
 * shared machine hits both; the median over rounds counts. Not a test: {@code submit/bench-kernels.sh batchnorm}
 * runs its {@code main} with {@code OMP_NUM_THREADS=1}; arguments: rounds (default 15) and an output path without
 * extension, which gets {@code .md} and {@code .json}.
 */
public final class ChannelKernelsBench {
    private static final int BATCH = 128;
    /** channels, side */
    private static final int[][] CASES = {{16, 32}, {32, 16}, {64, 8}};
    private static final String[] PASSES = {"statistics", "normalisation", "backward sums", "backward map"};

    private ChannelKernelsBench() {
    }

    private static void scaleShiftOp(INDArray in, INDArray scale, INDArray shift, INDArray out) {
        long c = scale.length();
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(in, Nd4j.zeros(in.dataType(), c), Nd4j.ones(in.dataType(), c), scale, shift)
                .addOutputs(out).addIntegerArguments(1, 1, 1).addFloatingPointArguments(0.0).build());
    }

    private static INDArray rowSums(INDArray a) {
        long n = a.size(0), c = a.size(1);
        return a.reshape('c', n * c, a.length() / (n * c)).sum(1).reshape('c', n, c).sum(0);
    }

    private static double millis(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Path out = Path.of(args.length > 1 ? args[1] : "docs/results/batchnorm-kernels");
        int warmup = 5;
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        Nd4j.getRandom().setSeed(1);
        List<Map<String, Object>> rows = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("| shape | pass | libnd4j ops (ms) | ChannelKernels (ms) | new/old |\n|---|---|---|---|---|\n");
        for (int[] cs : CASES) {
            int c = cs[0], s = cs[1];
            INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, c, s, s);
            INDArray g = Nd4j.rand(DataType.FLOAT, BATCH, c, s, s);
            INDArray y = Nd4j.createUninitialized(DataType.FLOAT, BATCH, c, s, s);
            INDArray gz = Nd4j.createUninitialized(DataType.FLOAT, BATCH, c, s, s);
            INDArray mean = Nd4j.createUninitialized(DataType.FLOAT, c);
            INDArray var = Nd4j.createUninitialized(DataType.FLOAT, c);
            INDArray scale = Nd4j.rand(DataType.FLOAT, c);
            INDArray shift = Nd4j.rand(DataType.FLOAT, c);
            float[] fs = scale.toFloatVector();
            float[] fh = shift.toFloatVector();
            double[] dm = new double[c];
            double[] dv = new double[c];
            Runnable[] old = {
                () -> Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(mean, var)
                        .addIntegerArguments(0, 2, 3).addBooleanArguments(false).build()),
                () -> scaleShiftOp(x, scale, shift, y),
                () -> {
                    Nd4j.exec(new MulOp(g, x, gz));
                    rowSums(g);
                    rowSums(gz);
                },
                () -> {
                    scaleShiftOp(g, scale, Nd4j.zeros(DataType.FLOAT, c), y);
                    scaleShiftOp(x, scale, shift, gz);
                    y.addi(gz);
                }
            };
            Runnable[] neu = {
                () -> ChannelKernels.moments(x, dm, dv),
                () -> ChannelKernels.scaleShift(x, fs, fh, y),
                () -> ChannelKernels.sums(g, x, dm, dv),
                () -> ChannelKernels.combine(g, x, fs, fs, fh, y)
            };
            double[][][] t = new double[PASSES.length][2][rounds];
            for (int r = -warmup; r < rounds; r++) {
                boolean oldFirst = (r & 1) == 0;
                for (int p = 0; p < PASSES.length; p++) {
                    for (int side = 0; side < 2; side++) {
                        boolean runOld = (side == 0) == oldFirst;
                        double ms = millis(runOld ? old[p] : neu[p]);
                        if (r >= 0) {
                            t[p][runOld ? 0 : 1][r] = ms;
                        }
                    }
                }
            }
            for (int p = 0; p < PASSES.length; p++) {
                double o = BilinearUpsampleBench.median(t[p][0]), n = BilinearUpsampleBench.median(t[p][1]);
                String shape = BATCH + "x" + c + "x" + s + "x" + s;
                md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f |%n", shape, PASSES[p], o, n, n / o));
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("shape", List.of(BATCH, c, s, s));
                row.put("pass", PASSES[p]);
                row.put("libnd4j_ms", o);
                row.put("kernels_ms", n);
                row.put("ratio_new_old", n / o);
                rows.add(row);
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        String method = String.format(Locale.ROOT, "float32, batch %d, %d timed rounds after %d warm-up, old and new "
                + "alternating within each round (the first side alternating between rounds), median per pass; "
                + "OMP_NUM_THREADS=%s, ND4J threads %d; arrays outside workspaces, allocated once", BATCH, rounds,
                warmup, System.getenv("OMP_NUM_THREADS"), Nd4j.getEnvironment().maxThreads());
        String text = "# Batch norm's per-channel passes: ChannelKernels against the libnd4j ops\n\n"
                + "Generated by `submit/bench-kernels.sh batchnorm` (`ChannelKernelsBench`) on " + Instant.now() + ". Method: " + method + ". Load (1, 5, 15 min) "
                + "before: " + load0 + "; after: " + load1 + ".\n\n" + md;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("generated", Instant.now().toString());
        doc.put("method", method);
        doc.put("load_before", load0);
        doc.put("load_after", load1);
        doc.put("rows", rows);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(Path.of(out + ".md"), text);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(Path.of(out + ".json").toFile(), doc);
        System.out.print(text);
    }
}
