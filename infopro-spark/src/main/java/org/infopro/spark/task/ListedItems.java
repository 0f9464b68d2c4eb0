package org.infopro.spark.task;

import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.ImageStream;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.seed.Seeds;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Training items held in the partition (spilled records, already module outputs on disk): the replica's items of
 * the epoch's view, in their stable order, shuffled by the epoch's seed; step s takes positions [s·B, s·B + B),
 * wrapping with several replicas, cut short with one.
 */
public record ListedItems<T>(BatchSource<T> source, int views) implements TrainInput<T> {

    @Override
    public Feed open(Iterator<T> partition, int replica, RoundTask.Round round, TaskSettings settings) {
        int view = round.epoch() % views;
        List<T> items = new ArrayList<>();
        partition.forEachRemaining(item -> {
            if (source.view(item) == view) {
                items.add(item);
            }
        });
        if (items.isEmpty()) {
            throw new IllegalStateException("replica " + replica + " has no training items; use fewer --replicas than images / batch size");
        }
        items.sort(Comparator.comparing(source::order));
        Seeds.shuffleEpoch(items, settings.seed(), round.epoch(), replica);
        return new Feed() {
            private int step = round.fromStep();
            private final List<T> batch = new ArrayList<>(settings.batchSize());

            @Override
            public ImageBatch next(ModuleStack stack) {
                batch.clear();
                int from = step * settings.batchSize();
                int to = round.replicas() == 1 ? Math.min(items.size(), from + settings.batchSize()) : from + settings.batchSize();
                for (int i = from; i < to; i++) {
                    batch.add(items.get(i % items.size()));
                }
                Random rng = new Random(Seeds.step(settings.seed(), round.epoch(), replica, step++));
                return source.assemble(batch, 0, batch.size(), rng, stack);
            }

            @Override
            public List<String> keys() {
                return batch.stream().map(source::key).toList();
            }

            @Override
            public ImageStream.Stats stats() {
                return ImageStream.Stats.NONE;
            }

            @Override
            public void close() {
            }
        };
    }
}
