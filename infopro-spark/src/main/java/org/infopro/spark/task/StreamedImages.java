package org.infopro.spark.task;

import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.EpochOrder;
import org.infopro.data.shard.HostBatch;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.ImageStream;
import org.infopro.data.shard.ShardChunk;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.seed.Seeds;

import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Training images streamed from the shards ({@link ImageStream}): a replica's partition is one element, its list of
 * shard chunks; the epoch's order and each step's augmentation come from {@link Seeds}. With {@code prefix} > 0
 * the frozen modules before the trained one run on every batch first (the sequential schedule's recompute mode).
 */
public record StreamedImages(BatchAssembler assembler, int prefix, SerializableConfiguration conf)
        implements TrainInput<List<ShardChunk>> {

    @Override
    public Feed open(Iterator<List<ShardChunk>> partition, int replica, RoundTask.Round round, TaskSettings settings) {
        if (!partition.hasNext()) {
            throw new IllegalStateException("replica " + replica + " has no shard chunks");
        }
        List<ShardChunk> chunks = partition.next();
        long seed = settings.seed();
        int epoch = round.epoch();
        EpochOrder order = new EpochOrder(chunks, Seeds.epochOrder(seed, epoch, replica));
        ImageStream.StepRandom rng = step -> new Random(Seeds.step(seed, epoch, replica, step));
        ImageStream stream = new ImageStream(order, assembler, conf.value(), settings.input(), round.replicas() > 1, rng,
                round.fromStep(), round.toStep());
        return new Feed() {
            private List<String> keys = List.of();

            @Override
            public ImageBatch next(ModuleStack stack) {
                HostBatch h = stream.next();
                keys = h.keys();
                return ImageSource.throughPrefix(BatchAssembler.toDevice(h), prefix, stack);
            }

            @Override
            public List<String> keys() {
                return keys;
            }

            @Override
            public ImageStream.Stats stats() {
                return stream.stats();
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }
}
