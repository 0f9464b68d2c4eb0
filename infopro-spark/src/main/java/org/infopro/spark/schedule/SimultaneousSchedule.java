package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.data.shard.ShardChunk;
import org.infopro.spark.task.Segment;
import org.infopro.spark.task.StreamedImages;

import java.util.List;

/**
 * The paper's schedule: every batch goes through all modules in one task, each module backpropagating only its
 * own loss; data-parallel over {@code --replicas} tasks averaged every {@code --sync-steps} steps. A finished
 * run can be resumed to train further epochs.
 */
public final class SimultaneousSchedule implements Schedule {

    @Override
    public void checkResumable(Checkpoint.Position p, TrainConfig cfg, Path out) {
        if (p.epoch() >= cfg.epochs()) {
            throw new ConfigException("train --resume: the run in " + out + " has already finished all " + p.epoch()
                    + " epochs; nothing to do. Start a new run, or raise --epochs to train further.");
        }
    }

    @Override
    public ScheduleReport run(RunContext ctx) {
        int k = ctx.modules();
        RoundLoop.Training<List<ShardChunk>> t = new RoundLoop.Training<>(0, "all modules", ctx.data().shares(ctx.jsc()),
                new StreamedImages(ctx.assembler(), 0, ctx.hadoopConf()), 0, k - 1, ctx.data().perReplica());
        ctx.listener().onStage(RoundLoop.train(ctx, t, ctx.data().test(), Segment.all(ctx.assembler(), k), 0, 1));
        return new ScheduleReport.Simultaneous();
    }

    @Override
    public boolean lastEpochValidatesComposed() {
        return true;
    }
}
