package org.infopro.spark.task;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.ImageStream;
import org.infopro.data.shard.ShardChunk;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.seed.Seeds;
import org.infopro.spark.spill.BinaryParts;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillRecord;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * One replica of one module in one wave of the staggered schedule, as one Spark task: with R replicas per
 * module, partition p = module * R + replica of the wave's job is that module's replica. Module 1's replicas
 * read their chunk of steps from the training images (partitions 0..R-1 carry the replicas' shard chunks);
 * replica r of module k > 1 reads the block replica r of module k-1 wrote in the previous wave for the same
 * chunk. The task trains those steps (each step's order, augmentation and learning rate as replica r of an
 * R-replica simultaneous run would give them, from {@link Seeds}) and, unless its module is the last, writes the
 * detached outputs of its training forward passes as the block replica r of module k+1 reads in the next wave.
 * Blocks are written under an attempt-unique name and renamed, so a retried task rewrites the same block.
 */
public final class WaveTask implements Function2<Integer, Iterator<List<ShardChunk>>, Iterator<WaveTask.Outcome>> {

    /** What replica {@code replica} of module {@code module} did on chunk {@code chunk}. */
    public record Outcome(int module, int replica, int chunk, ModuleState state, TaskStats stats) implements Serializable {
    }

    /**
     * The chunk layout: epochs of {@code stepsPerEpoch} steps, the last one of {@code lastEpochSteps} (fewer under
     * --iterations), cut into chunks of {@code stepsPerWave}, trained by {@code replicas} replicas of every module
     * ({@code images} in the run).
     */
    public record Chunks(int images, int batchSize, int stepsPerEpoch, int stepsPerWave, int epochs, int lastEpochSteps,
                         int replicas) implements Serializable {
        public int perEpoch() {
            return (stepsPerEpoch + stepsPerWave - 1) / stepsPerWave;
        }

        public int total() {
            return perEpoch() * (epochs - 1) + (lastEpochSteps + stepsPerWave - 1) / stepsPerWave;
        }

        public int epochOf(int chunk) {
            return chunk / perEpoch();
        }

        int firstStep(int chunk) {
            return (chunk % perEpoch()) * stepsPerWave;
        }

        int endStep(int chunk) {
            int steps = epochOf(chunk) == epochs - 1 ? lastEpochSteps : stepsPerEpoch;
            return Math.min(steps, firstStep(chunk) + stepsPerWave);
        }

        /** Items of a step: several replicas run full batches (wrapping around their shares), one the epoch's remainder. */
        int stepSize(int step) {
            return replicas > 1 ? batchSize : Math.min(batchSize, images - step * batchSize);
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
    private final TaskSettings settings;

    public WaveTask(ModuleStack.Setup setup, BatchAssembler assembler, Broadcast<List<ModuleState>> state, int wave,
                    Chunks chunks, Path blocks, SpillConfig store, SerializableConfiguration conf, TaskSettings settings) {
        this.setup = setup;
        this.assembler = assembler;
        this.state = state;
        this.wave = wave;
        this.chunks = chunks;
        this.blocks = blocks.toString();
        this.store = store;
        this.conf = conf;
        this.settings = settings;
    }

    /** The block replica {@code replica} of module {@code module} reads for {@code chunk}: that replica of module {@code module - 1}'s outputs. */
    public static Path block(Path root, int chunk, int module, int replica) {
        return new Path(root, String.format("chunk-%05d/into-module-%d-replica-%d.bin", chunk, module + 1, replica + 1));
    }

    /** The steps of a chunk, from wherever the module reads them. */
    private interface Steps extends AutoCloseable {
        /** The batch of {@code n} items of the next step, with their image keys. */
        ImageBatch next(int step, int n, List<String> keys) throws IOException;

        /** What the image stream measured (none for blocks). */
        default ImageStream.Stats input() {
            return ImageStream.Stats.NONE;
        }

        @Override
        default void close() throws IOException {
        }
    }

    @Override
    public Iterator<Outcome> call(Integer partition, Iterator<List<ShardChunk>> it) {
        int module = partition / chunks.replicas();
        int replica = partition % chunks.replicas();
        int chunk = wave - module;
        if (chunk < 0 || chunk >= chunks.total()) {
            return Collections.emptyIterator(); // the pipeline is filling or draining: this module has nothing in this wave
        }
        int epoch = chunks.epochOf(chunk);
        Path root = new Path(blocks);
        boolean last = module == setup.modules() - 1;
        try (TaskScope scope = TaskScope.enter(settings.threads(), settings.reclaimEverySeconds());
             Steps steps = module == 0 ? images(it, replica, epoch, chunks.firstStep(chunk), chunks.endStep(chunk))
                     : handoffs(root, chunk, module, replica);
             BinaryParts.Writer out = last ? null : BinaryParts.writer(conf.value(), block(root, chunk, module + 1, replica),
                     layout(module), store.codec())) {
            LocalModule m = scope.module(setup, module, state.value().get(module));
            int k = setup.modules();
            long[] nanos = new long[k];
            double[] lossSum = new double[k];
            long seen = 0;
            double rate = Double.NaN;
            int from = chunks.firstStep(chunk);
            int to = chunks.endStep(chunk);
            for (int step = from; step < to; step++) {
                int n = chunks.stepSize(step);
                List<String> keys = new ArrayList<>(n);
                ImageBatch batch = steps.next(step, n, keys);
                double rateNow = settings.learningRate().at(epoch, step, chunks.stepsPerEpoch());
                if (rateNow != rate) {
                    m.network().setLearningRate(rateNow);
                    rate = rateNow;
                }
                long t = System.nanoTime();
                try (ImageBatch bb = batch; Handoff h = m.train(Handoff.images(bb.features()), bb,
                        Seeds.step(settings.seed(), epoch, replica, step))) {
                    nanos[module] += System.nanoTime() - t;
                    if (out != null) {
                        write(out, h, bb, keys);
                    }
                }
                DivergedException.check(m.lastLoss(), module, epoch, step);
                lossSum[module] += m.lastLoss();
                seen += n;
                scope.stepDone();
            }
            if (out != null) {
                out.commit();
            }
            return List.of(new Outcome(module, replica, chunk, m.state(), scope.stats(seen, to - from, nanos, lossSum, steps.input()))).iterator();
        } catch (IOException e) {
            throw new UncheckedIOException("wave " + wave + ", module " + (module + 1) + ", replica " + (replica + 1) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Module 1's steps: replica {@code replica}'s training images streamed in its epoch order, augmented per step. */
    private Steps images(Iterator<List<ShardChunk>> it, int replica, int epoch, int from, int to) {
        TrainInput.Feed feed = new StreamedImages(assembler, 0, conf).open(it, replica,
                new RoundTask.Round(epoch, from, to, chunks.stepsPerEpoch(), chunks.replicas()), settings);
        return new Steps() {
            @Override
            public ImageBatch next(int step, int n, List<String> keys) {
                ImageBatch b = feed.next(null);
                keys.addAll(feed.keys());
                return b;
            }

            @Override
            public ImageStream.Stats input() {
                return feed.stats();
            }

            @Override
            public void close() {
                feed.close();
            }
        };
    }

    /** Module k's steps: the block the same replica of module k-1 wrote for this chunk in the previous wave. */
    private Steps handoffs(Path root, int chunk, int module, int replica) throws IOException {
        Iterator<SpillRecord> inputs = BinaryParts.read(conf.value(), block(root, chunk, module, replica), store.codec());
        SpillSource source = new SpillSource(layout(module - 1), setup.spec().numClasses());
        return (step, n, keys) -> {
            List<SpillRecord> b = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (!inputs.hasNext()) {
                    throw new IllegalStateException("the block for module " + (module + 1) + ", replica " + (replica + 1) + ", chunk " + chunk
                            + " ends early at step " + step + "; it is damaged: resume to rewrite it");
                }
                SpillRecord r = inputs.next();
                keys.add(r.key());
                b.add(r);
            }
            return source.assemble(b, 0, n, null, null);
        };
    }

    /** The layout of module {@code m}'s outputs in a block. */
    private SpillLayout layout(int m) {
        return SpillSource.layout(setup.spec(), setup.plans().get(m), store.precision(), assembler.segmentation());
    }

    private void write(BinaryParts.Writer out, Handoff h, ImageBatch batch, List<String> keys) throws IOException {
        for (SpillRecord r : SpillRecord.ofBatch(keys, batch.labelIndices(), new int[keys.size()], flat(h.activation()),
                flat(batch.pixels01()), batch.pixels() == null ? null : batch.pixels().ids(), store.precision())) {
            out.write(r);
        }
    }

    static float[] flat(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.reshape('c', new long[]{a.length()}).toFloatVector();
    }
}
