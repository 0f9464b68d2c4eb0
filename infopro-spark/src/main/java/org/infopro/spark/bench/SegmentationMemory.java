package org.infopro.spark.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.loss.PixelCrossEntropy;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.metrics.TaskMemory;
import org.infopro.spark.model.DeepLabV3NetworkFactory;
import org.infopro.spark.model.DeepLabV3Spec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.runtime.NativeMemory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Peak memory of DeepLab-V3 training steps, end to end or as InfoPro* K=2 (module 1 with head_inter and decoder_inter at
 * λ 1.5 and 1, then module 2 on its detached output, on one thread so the workspaces are shared as in a task), by ND4J's
 * accounting ({@link TaskMemory}, {@link MemoryBenchJob#DEFINITION}). Synthetic inputs: the values do not change the memory.
 * Shared by bench-memory-segmentation and fit-crop.
 */
final class SegmentationMemory {
    /** E2E, InfoPro* K=2, or one of K=2's modules alone (which of them sets K=2's high-water mark). */
    enum Method {
        E2E("E2E"), INFOPRO_K2("InfoPro* K=2"), MODULE1("InfoPro* K=2 module 1 alone"), MODULE2("InfoPro* K=2 module 2 alone");

        final String label;

        Method(String label) {
            this.label = label;
        }
    }

    /** One case: its peak and what it is made of, and the seconds of its last step. */
    record Row(String case_, long peakBytes, long workspaceBytes, long persistentBytes, long handoffBytes, long batchBytes,
               long parameters, double lastStepS, Long rssPeakAfterBytes) {
    }

    private SegmentationMemory() {
    }

    /** {@code steps} training steps of {@code method} on {@code batch} inputs of {@code spec}'s size; the peak after them. */
    static Row measure(Method method, DeepLabV3Spec spec, int batch, int steps, String job) {
        DeepLabV3NetworkFactory f = new DeepLabV3NetworkFactory(spec, new Hyper(0, 0.01, 0.9, 5e-4));
        int h = spec.height();
        int w = spec.width();
        NativeMemory.freshThread();
        List<ComputationGraph> nets = switch (method) {
            case E2E -> List.of(f.endToEnd());
            case MODULE1 -> List.of(f.module1(1.5, 1));
            case MODULE2 -> List.of(f.module2());
            case INFOPRO_K2 -> List.of(f.module1(1.5, 1), f.module2());
        };
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, h, w);
        int[] hs = spec.shapeAfter(spec.splitUnit());
        INDArray module1Output = method == Method.MODULE2 ? Nd4j.rand(DataType.FLOAT, batch, hs[0], hs[1], hs[2]) : null;
        double last = 0;
        long batchBytes;
        long handoffBytes = 0;
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(masks(batch, h, w, spec.numClasses()), spec.numClasses(), h, w)) {
            batchBytes = TaskMemory.bytes(x) + TaskMemory.bytes(t.labels()) + TaskMemory.bytes(t.mask());
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                if (method == Method.E2E || method == Method.MODULE2) {
                    nets.get(0).fit(new MultiDataSet(new INDArray[]{module1Output != null ? module1Output : x},
                            new INDArray[]{t.labels(), t.labels()}, null, new INDArray[]{t.mask(), t.mask()}));
                } else {
                    nets.get(0).fit(new MultiDataSet(new INDArray[]{x}, new INDArray[]{t.labels(), x}, null,
                            new INDArray[]{t.mask(), null}));
                }
                if (method == Method.INFOPRO_K2) {
                    INDArray hand = nets.get(0).feedForward(new INDArray[]{x}, true, false).get(f.handoff()).detach();
                    handoffBytes = TaskMemory.bytes(hand);
                    nets.get(1).fit(new MultiDataSet(new INDArray[]{hand}, new INDArray[]{t.labels(), t.labels()}, null,
                            new INDArray[]{t.mask(), t.mask()}));
                    hand.close();
                }
                last = (System.nanoTime() - t0) / 1e9;
                System.err.printf(Locale.ROOT, "[%s] %s %dx%d batch %d, step %d: %.1f s%n", job, method.label, h, w, batch, s + 1, last);
            }
        }
        long ws = TaskMemory.workspaceBytes();
        long persistent = TaskMemory.persistentBytes(nets);
        long params = nets.stream().mapToLong(ComputationGraph::numParams).sum();
        Row r = new Row(method.label, ws + persistent + handoffBytes + batchBytes, ws, persistent, handoffBytes, batchBytes, params,
                last, ProcessMemory.peakResidentBytes());
        nets.forEach(ComputationGraph::close);
        x.close();
        if (module1Output != null) {
            module1Output.close();
        }
        NativeMemory.releaseThread();
        return r;
    }

    /** Label images of vertical class bands with every tenth pixel ignored. */
    private static int[][] masks(int batch, int h, int w, int classes) {
        SplittableRandom r = new SplittableRandom(1);
        int[][] m = new int[batch][h * w];
        for (int[] img : m) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextInt(10) == 0 ? PixelCrossEntropy.IGNORE : (i % w) * classes / w;
            }
        }
        return m;
    }

    static double mib(long b) {
        return b / 1048576.0;
    }
}
