package org.infopro.jobs;

import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A structural check of how submit/infopro hands --master yarn to the embedded Spark, read from its --dry-run (no
 * cluster; YarnClusterIT runs the same commands for real): the cluster's conf dirs first on the class path, the
 * containers given the embedded Spark's jars unless the user named theirs, a cluster-mode driver given its memory
 * and JVM options, and clear refusals. It runs after package, because it reads the embedded class path the build
 * writes.
 */
class LauncherYarnArgsIT {
    private static final Path ROOT = IdxFixtures.repositoryRoot();

    private record Run(int code, String output) {
        /** The command as printed, with printf %q's escapes of commas removed. */
        String command() {
            return output.replace("\\,", ",");
        }
    }

    private static Run dryRun(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("submit/infopro").toString(), "--dry-run"));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("SPARK_HOME");
        pb.environment().remove("HADOOP_CONF_DIR");
        pb.environment().remove("YARN_CONF_DIR");
        pb.environment().remove("INFOPRO_YARN_JARS");
        // no spark-submit on PATH: the embedded Spark is the one under test
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("submit/infopro --dry-run timed out");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String embeddedClassPath() throws IOException {
        return Files.readString(ROOT.resolve("jobs/target/spark-classpath.txt")).strip();
    }

    @Test
    void yarnWithoutAClientConfigurationIsRefusedNamingTheVariable() throws Exception {
        Run r = dryRun(Map.of(), "--master", "yarn", "train", "--epochs", "1");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("set HADOOP_CONF_DIR (or YARN_CONF_DIR)"), r.output());
    }

    @Test
    void yarnPutsTheConfDirsFirstOnTheClassPathAndShipsTheEmbeddedSparkToTheContainers(@TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("HADOOP_CONF_DIR", tmp.resolve("hadoop").toString(), "YARN_CONF_DIR", tmp.resolve("yarn").toString());
        Run r = dryRun(env, "--master", "yarn", "train", "--epochs", "1");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.command().contains(" -cp " + tmp.resolve("hadoop") + ":" + tmp.resolve("yarn") + ":"), r.output());
        assertTrue(r.command().contains(" org.apache.spark.deploy.SparkSubmit --master yarn "), r.output());
        String jars = String.join(",", embeddedClassPath().split(":"));
        assertTrue(r.command().contains("--conf spark.yarn.jars=" + jars + " "), "uploaded by default: " + r.output());
        assertTrue(jars.contains("spark-yarn_2.12-") && jars.contains("hadoop-yarn-server-web-proxy-"),
                "the embedded class path has Spark's YARN support and the AM's web filter: " + jars);
        assertFalse(jars.contains("minicluster"), "no test cluster on a driver's class path: " + jars);

        Run local = dryRun(Map.of("HADOOP_CONF_DIR", tmp.toString(), "INFOPRO_YARN_JARS", "local"), "--master", "yarn", "train");
        assertTrue(local.command().contains("--conf spark.yarn.jars=local:" + String.join(",local:", embeddedClassPath().split(":")) + " "),
                local.output());

        Run archive = dryRun(Map.of("HADOOP_CONF_DIR", tmp.toString()), "--master", "yarn",
                "--conf", "spark.yarn.archive=hdfs:///apps/spark-jars.zip", "train");
        assertFalse(archive.command().contains("spark.yarn.jars="), "the user's archive is kept: " + archive.output());

        Run bad = dryRun(Map.of("HADOOP_CONF_DIR", tmp.toString(), "INFOPRO_YARN_JARS", "nfs"), "--master", "yarn", "train");
        assertEquals(2, bad.code(), bad.output());
        assertTrue(bad.output().contains("INFOPRO_YARN_JARS='nfs' must be upload or local."), bad.output());
    }

    @Test
    void aClusterModeDriverGetsItsMemoryAndJvmOptionsAndThisJvmOnlySubmits(@TempDir Path tmp) throws Exception {
        Run r = dryRun(Map.of("HADOOP_CONF_DIR", tmp.toString()), "--master", "yarn", "--deploy-mode", "cluster",
                "--driver-memory", "6g", "train");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.command().contains(" -Xmx512m "), r.output());
        assertTrue(r.command().contains(" --driver-memory 6g "), r.output());
        assertTrue(r.command().contains("--conf spark.driver.extraJavaOptions=") && r.command().contains("maxphysicalbytes"), r.output());
        assertTrue(r.command().contains("--deploy-mode cluster"), r.output());
        assertTrue(r.command().contains("spark.yarn.appMasterEnv.MALLOC_ARENA_MAX=2"), "the driver's malloc settings: " + r.output());
    }

    @Test
    void theYarnGpuProfileWinsOverTheLaunchersDefaultsAndAsksForOneAttempt(@TempDir Path tmp) throws Exception {
        Path profile = ROOT.resolve("conf/yarn-gpu.properties");
        Map<String, String> props = new HashMap<>();
        for (String line : Files.readAllLines(profile)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] kv = line.split("=", 2);
                props.put(kv[0].strip(), kv[1].strip());
            }
        }
        assertEquals("1", props.get("spark.yarn.maxAppAttempts"), props.toString());
        assertEquals("1", props.get("spark.executor.resource.gpu.amount"), props.toString());
        assertTrue(props.containsKey("spark.executor.memoryOverhead"), props.toString());
        assertTrue(Files.isRegularFile(ROOT.resolve(props.get("spark.yarn.dist.files"))), "the discovery script it ships exists");

        Run r = dryRun(Map.of("HADOOP_CONF_DIR", tmp.toString()), "--master", "yarn", "--deploy-mode", "cluster",
                "--properties-file", "conf/yarn-gpu.properties", "train");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.command().contains("--properties-file conf/yarn-gpu.properties"), r.output());
        assertFalse(r.command().contains("--driver-memory"), "spark.driver.memory from the profile is kept: " + r.output());
        assertFalse(r.command().contains("extraJavaOptions"), "the profile's JVM options are kept: " + r.output());
    }

    @Test
    void clusterModeOffYarnAndAMissingPropertiesFileAreRefused(@TempDir Path tmp) throws Exception {
        Run cluster = dryRun(Map.of(), "--master", "local[2]", "--deploy-mode", "cluster", "train");
        assertEquals(2, cluster.code(), cluster.output());
        assertTrue(cluster.output().contains("the embedded Spark runs cluster mode on YARN only"), cluster.output());

        Run missing = dryRun(Map.of(), "--properties-file", tmp.resolve("none.properties").toString(), "train");
        assertEquals(2, missing.code(), missing.output());
        assertTrue(missing.output().contains("--properties-file '" + tmp.resolve("none.properties") + "' not found"), missing.output());
    }
}
