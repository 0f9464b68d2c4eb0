package org.infopro.spark.spill;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.testing.SparkSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spill store on real HDFS: Hadoop's in-process MiniDFSCluster, with Spark's Hadoop conf pointing at it. */
class HdfsSpillStoreTest {
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
        spark = SparkSessions.local("HdfsSpillStoreTest");
        spark.sparkContext().hadoopConfiguration().set("fs.defaultFS", hdfs.getFileSystem().getUri().toString());
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

    private static void roundTrip(Path dir, SpillConfig cfg) throws Exception {
        List<SpillRecord> written = SpillStoreTest.records(40, cfg.precision(), 0.25);
        SpillLayout layout = new SpillLayout(SpillStoreTest.SHAPE, cfg.precision(), SpillStoreTest.TARGET);
        SpillStats stats = SpillStore.write(spark, JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(written, 3),
                dir, layout, cfg);
        FileSystem fs = hdfs.getFileSystem();
        FileStatus[] parts = fs.listStatus(new Path(dir.toUri().getPath()), p -> p.getName().startsWith("part-"));
        assertEquals(40, stats.records());
        assertEquals(parts.length, stats.files());
        assertEquals(Arrays.stream(parts).mapToLong(FileStatus::getLen).sum(), stats.bytes(), "bytes as HDFS reports them");
        assertTrue(fs.exists(new Path(dir.toUri().getPath(), SpillStore.META)));
        assertFalse(Arrays.stream(fs.listStatus(new Path("/spill"))).anyMatch(s -> s.getPath().getName().contains("staging")),
                "no staging folder left");
        assertEquals(stats, SpillStore.meta(dir, spark.sparkContext().hadoopConfiguration()).stats());
        assertEquals(SpillStoreTest.byKeyAndView(written), SpillStoreTest.byKeyAndView(SpillStore.read(spark, dir).collect()));
    }

    @Test
    void binaryZstdFp16RoundTripsOnHdfs() throws Exception {
        String base = hdfs.getFileSystem().getUri().toString();
        roundTrip(new Path(base + "/spill/module-1"), new SpillConfig(SpillFormat.BINARY, Precision.FP16, SpillCodec.ZSTD));
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("spill")), "nothing was written to the local disk instead");
    }

    @Test
    void parquetRoundTripsOnTheDefaultFileSystem() throws Exception {
        roundTrip(new Path("/spill/module-2"), new SpillConfig(SpillFormat.PARQUET, Precision.FP32, SpillCodec.SNAPPY));
        SpillStore.delete(new Path("/spill/module-2"), spark.sparkContext().hadoopConfiguration());
        assertFalse(hdfs.getFileSystem().exists(new Path("/spill/module-2")));
    }
}
