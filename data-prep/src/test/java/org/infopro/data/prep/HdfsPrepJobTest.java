package org.infopro.data.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.io.Status;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardReader;
import org.infopro.data.testing.LayoutFixtures;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ImageNet prep reading from and writing to real HDFS: Hadoop's in-process MiniDFSCluster (namenode + datanode). */
class HdfsPrepJobTest {
    @TempDir
    static java.nio.file.Path tmp;
    private static MiniDFSCluster hdfs;
    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        spark = SparkSessions.local("HdfsPrepJobTest");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void imagenetPrepsFromHdfsToHdfsAtomically() throws Exception {
        java.nio.file.Path local = tmp.resolve("ilsvrc");
        LayoutFixtures.imagenetLoc(local, 2, 3);
        FileSystem fs = hdfs.getFileSystem();
        String base = fs.getUri().toString();
        fs.copyFromLocalFile(new Path(local.toUri()), new Path(base + "/raw/ilsvrc"));
        String out = base + "/datasets/imagenet";
        ImagePrepConfig cfg = ImagePrepConfig.fromArgs(ImageDataset.IMAGENET, new String[]{"--input", base + "/raw/ilsvrc",
                "--output", out, "--progress-seconds", "0"});
        ImagePrepResult r = ImagePrepJob.run(cfg, spark);
        assertEquals(Status.OK, r.status(), String.valueOf(r.error()));
        assertEquals(Map.of("train", 6L, "val", 3L), r.rowsPerSplit());
        assertTrue(fs.exists(new Path(out + "/_manifest.json")));
        assertTrue(fs.exists(new Path(out + ".result.json")), "result.json beside the dataset, on HDFS");
        assertFalse(List.of(fs.listStatus(new Path(base + "/datasets"))).stream()
                .anyMatch(s -> s.getPath().getName().contains("staging")), "no staging folder left");
        DatasetManifest m = DatasetManifest.read(out, spark.sparkContext().hadoopConfiguration());
        for (DatasetManifest.ShardFile f : m.split("train").shards()) {
            assertEquals(f.bytes(), fs.getFileStatus(new Path(out + "/" + f.path())).getLen());
        }
        assertEquals(6, ShardReader.open(spark, out).images("train", 0).count());
        assertFalse(Files.exists(tmp.resolve("datasets")), "nothing was written to the local disk instead");
    }
}
