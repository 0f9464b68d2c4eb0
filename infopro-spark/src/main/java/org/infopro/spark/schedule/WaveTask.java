package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.bench.StepBench;
import org.infopro.spark.model.InfoProNetworkFactory;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.GpuBinding;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.spill.BinaryParts;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillRecord;
import org.infopro.spark.train.ExecutorPeak;
import org.infopro.spark.train.LearningRate;
import org.infopro.spark.train.RoundTask;
import org.infopro.spark.train.TrainConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * One module's share of one wave of the staggered schedule, as one Spark task: partition k of the wave's job
 * is module k. Module 1 reads its chunk of steps from the training images (partition 0 carries them); module
 * k > 1 reads the block module k-1 wrote in the previous wave for the same chunk. The module trains those steps
 * (each step's augmentation and learning rate as the simultaneous schedule would give them) and, unless it is the
 * last, writes the detached outputs of its training forward passes as the block module k+1 reads in the next wave.
 * Blocks are written under an attempt-unique name and renamed, so a retried task rewrites the same block.
 */
final class WaveTask implements Function2<Integer, Iterator<LabeledImage>, Iterator<WaveTask.Outcome>> {

    /** What module {@code module} did on chunk {@code chunk}. */
    record Outcome(int module, int chunk, ModuleState state, long images, long steps, long nanos, double lossSum,
                   long peakMemoryBytes, ExecutorPeak executor, long taskNanos) implements Serializable {
    }

    /** The chunk layout: epochs of {@code stepsPerEpoch} steps cut into chunks of {@code stepsPerWave}. */
    record Chunks(int images, int batchSize, int stepsPerEpoch, int stepsPerWave, int epochs) implements Serializable {
        int perEpoch() {
            return (stepsPerEpoch + stepsPerWave - 1) / stepsPerWave;
        }

        int total() {
            return perEpoch() * epochs;
        }

        int epochOf(int chunk) {
            return chunk / perEpoch();
        }

        int firstStep(int chunk) {
            return (chunk % perEpoch()) * stepsPerWave;
        }

        int endStep(int chunk) {
            return Math.min(stepsPerEpoch, firstStep(chunk) + stepsPerWave);
        }

        int stepSize(int step) {
            return Math.min(batchSize, images - step * batchSize);
        }
    }

    private final ModuleStack.Setup setup;
    private final BatchAssembler assembler;
    private final Broadcast<List<ModuleState>> state;
    private final int wave;
    private final Chunks chunks;
    private final String blocks;
    private final SpillConfig store;
    private final SerializableConfiguration conf;
    private final TrainConfig cfg;

    WaveTask(ModuleStack.Setup setup, BatchAssembler assembler, Broadcast<List<ModuleState>> state, int wave, Chunks chunks,
             Path blocks, SpillConfig store, SerializableConfiguration conf, TrainConfig cfg) {
        this.setup = setup;
        this.assembler = assembler;
        this.state = state;
        this.wave = wave;
        this.chunks = chunks;
        this.blocks = blocks.toString();
        this.store = store;
        this.conf = conf;
        this.cfg = cfg;
    }

    /** The block module {@code module} reads for {@code chunk}: module {@code module - 1}'s outputs. */
    static Path block(Path root, int chunk, int module) {
        return new Path(root, String.format("chunk-%05d/into-module-%d.bin", chunk, module + 1));
    }

    @Override
    public Iterator<Outcome> call(Integer module, Iterator<LabeledImage> it) {
        int chunk = wave - module;
        if (chunk < 0 || chunk >= chunks.total()) {
            return Collections.emptyIterator(); // the pipeline is filling or draining: this module has nothing in this wave
        }
        long t0 = System.nanoTime();
        NativeRuntime.useThreads(cfg.threads());
        GpuBinding.bindCurrentTask();
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        int epoch = chunks.epochOf(chunk);
        int from = chunks.firstStep(chunk);
        int to = chunks.endStep(chunk);
        LocalModule m = new LocalModule(setup.plans().get(module), new InfoProNetworkFactory(setup.spec(), setup.hyper(), setup.head()));
        m.load(state.value().get(module));
        LearningRate lr = cfg.learningRateSchedule();
        boolean last = module == setup.plans().size() - 1;
        Path root = new Path(blocks);
        int[] hwc = assembler.outputShape();
        SpillLayout outLayout = last ? null : new SpillLayout(setup.plans().get(module).outputShape(), store.precision(),
                new int[]{hwc[2], hwc[0], hwc[1]});
        List<LabeledImage> images = null;
        Iterator<SpillRecord> inputs = null;
        SpillSource source = null;
        try {
            if (module == 0) {
                images = new ArrayList<>();
                it.forEachRemaining(images::add);
                images.sort(java.util.Comparator.comparing(LabeledImage::key));
                // the order and augmentation of a single replica of the simultaneous schedule
                Collections.shuffle(images, new Random(cfg.seed() * 7919L + epoch));
            } else {
                Path in = block(root, chunk, module);
                inputs = BinaryParts.read(conf.value(), in, store.codec());
                source = new SpillSource(new SpillLayout(setup.plans().get(module - 1).outputShape(), store.precision(),
                        new int[]{hwc[2], hwc[0], hwc[1]}), setup.spec().numClasses());
            }
            BinaryParts.Writer out = last ? null
                    : BinaryParts.writer(conf.value(), block(root, chunk, module + 1), outLayout, store.codec());
            long nanos = 0;
            double lossSum = 0;
            long seen = 0;
            double rate = Double.NaN;
            try {
                for (int step = from; step < to; step++) {
                    int n = chunks.stepSize(step);
                    ImageBatch batch;
                    List<String> keys = new ArrayList<>(n);
                    if (module == 0) {
                        List<LabeledImage> b = images.subList(step * cfg.batchSize(), step * cfg.batchSize() + n);
                        b.forEach(img -> keys.add(img.key()));
                        batch = assembler.assemble(b, 0, n, new Random(RoundTask.stepSeed(cfg.seed(), epoch, 0, step)));
                    } else {
                        List<SpillRecord> b = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            if (!inputs.hasNext()) {
                                throw new IllegalStateException("the block for module " + (module + 1) + ", chunk " + chunk
                                        + " ends early at step " + step + "; it is damaged: resume to rewrite it");
                            }
                            SpillRecord r = inputs.next();
                            keys.add(r.key());
                            b.add(r);
                        }
                        batch = source.assemble(b, 0, n, null, null);
                    }
                    double rateNow = lr.at(epoch, step, chunks.stepsPerEpoch());
                    if (rateNow != rate) {
                        m.network().setLearningRate(rateNow);
                        rate = rateNow;
                    }
                    long t = System.nanoTime();
                    try (ImageBatch bb = batch; Handoff h = m.train(Handoff.images(bb.features()), bb)) {
                        nanos += System.nanoTime() - t;
                        if (out != null) {
                            write(out, h, bb, keys);
                        }
                    }
                    lossSum += m.lastLoss();
                    seen += n;
                }
                if (out != null) {
                    out.commit();
                }
            } finally {
                if (out != null) {
                    out.abort();
                }
            }
            long peak = m.network().numParams() * 4L * 2 + StepBench.workspaceBytes();
            return List.of(new Outcome(module, chunk, m.state(), seen, to - from, nanos, lossSum, peak, ExecutorPeak.here(peak),
                    System.nanoTime() - t0))
                    .iterator();
        } catch (IOException e) {
            throw new UncheckedIOException("wave " + wave + ", module " + (module + 1) + ": " + e.getMessage(), e);
        }
    }

    private void write(BinaryParts.Writer out, Handoff h, ImageBatch batch, List<String> keys) throws IOException {
        for (SpillRecord r : SpillRecord.ofBatch(keys, batch.labelIndices(), new int[keys.size()], flat(h.activation()), flat(batch.pixels01()),
                store.precision())) {
            out.write(r);
        }
    }

    static float[] flat(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.reshape('c', new long[]{a.length()}).toFloatVector();
    }
}
