package org.infopro.spark.schedule;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.io.Fs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the sequential schedule's spills and the staggered schedule's hand-off blocks live: --spill-dir, or
 * {@code <out>/spill}, qualified on the driver (executors run in other working directories, so a relative path
 * would name another folder in each), with one folder per module.
 */
final class SpillRoot {
    private static final Logger LOG = LoggerFactory.getLogger(SpillRoot.class);

    private SpillRoot() {
    }

    /** The run's spill store; warns when executors on other hosts could not reach it. */
    static Path of(RunContext ctx) {
        String dir = ctx.cfg().pipeline().spillDir();
        Path root = qualified(dir.isEmpty() ? new Path(ctx.out(), "spill") : new Path(dir), ctx.conf());
        if (!ctx.spark().sparkContext().isLocal() && "file".equals(root.toUri().getScheme())) {
            LOG.warn("[train] the spill store {} is on a local file system: executors on other hosts cannot read what another "
                    + "wrote. On a multi-host cluster give --spill-dir (or --out) on hdfs://, s3a:// or a shared mount.", root);
        }
        return root;
    }

    /** {@code p} with scheme and, when relative, the driver's working directory. */
    static Path qualified(Path p, Configuration conf) {
        return Fs.of(p, conf).makeQualified(p);
    }

    static Path module(Path root, int module) {
        return new Path(root, "module-" + (module + 1));
    }

    static Path train(Path root, int module) {
        return new Path(module(root, module), "train");
    }

    static Path validation(Path root, int module) {
        return new Path(module(root, module), "validation");
    }
}
