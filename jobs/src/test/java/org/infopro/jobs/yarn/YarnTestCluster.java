package org.infopro.jobs.yarn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.util.resource.ResourceUtils;

import org.infopro.data.testing.IdxFixtures;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real YARN cluster for the tests, in a JVM of its own: HDFS (a MiniDFSCluster, one datanode) and YARN (a
 * MiniYARNCluster, one ResourceManager and one NodeManager that advertises {@code gpus} GPUs as {@code yarn.io/gpu}
 * through the NodeManager's real GPU plugin, with a fixed device list instead of nvidia-smi).
 *
 * <p>{@code YarnTestCluster DIR GPUS} writes the live client configuration to {@code DIR/conf} (what a user's
 * {@code HADOOP_CONF_DIR} holds) and {@code DIR/cluster.properties} (the HDFS URI)
 * once the NodeManager has registered, then runs until its standard input closes, so it never outlives the test
 * JVM that started it. It must not share a JVM with a driver: its shaded copy of the web proxy would shadow the
 * unshaded {@code AmIpFilter} that Spark's ApplicationMaster needs.
 *
 * <p>The tests hold an instance ({@link #start}): the cluster's process, its client configuration, its HDFS and
 * the ResourceManager's reports of applications; closing it stops the cluster.
 */
public final class YarnTestCluster implements AutoCloseable {
    private static final Pattern APP_ID = Pattern.compile("application_\\d+_\\d+");

    private final Process process;
    private final Path dir;
    private final String fsUri;

    private YarnTestCluster(Process process, Path dir, String fsUri) {
        this.process = process;
        this.dir = dir;
        this.fsUri = fsUri;
    }

    /**
     * Starts a cluster in {@code dir} (its HDFS blocks, container logs and client configuration) in a new JVM with
     * the test class path, advertising {@code gpus} GPUs; returns once the NodeManager has registered.
     */
    public static YarnTestCluster start(Path dir, int gpus) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path root = IdxFixtures.repositoryRoot();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + root.resolve("conf/jvm17.args"), "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                YarnTestCluster.class.getName(), dir.toString(), Integer.toString(gpus)));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("cluster.log").toFile());
        // the NodeManager starts containers with $JAVA_HOME/bin/java
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        Path info = dir.resolve("cluster.properties");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!Files.exists(info)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the YARN test cluster did not start; its log:\n"
                        + Files.readString(dir.resolve("cluster.log"), StandardCharsets.UTF_8));
            }
            Thread.sleep(200);
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(info)) {
            props.load(in);
        }
        return new YarnTestCluster(p, dir, props.getProperty("fs_uri"));
    }

    /** The client configuration folder: what {@code HADOOP_CONF_DIR} points at. */
    public Path confDir() {
        return dir.resolve("conf");
    }

    /** The HDFS URI, e.g. {@code hdfs://localhost:PORT}; {@code fsUri() + "/runs/a"} names a path on it. */
    public String fsUri() {
        return fsUri;
    }

    /** A client of the cluster's HDFS. */
    public FileSystem fs() throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.defaultFS", fsUri);
        return FileSystem.get(URI.create(fsUri), conf);
    }

    /**
     * What submit/infopro needs to reach this cluster from the test's machine: the client configuration, the
     * loopback address for the driver, and the embedded Spark's jars used in place by the containers (same machine).
     */
    public Map<String, String> submitEnvironment() {
        return Map.of("HADOOP_CONF_DIR", confDir().toString(), "SPARK_LOCAL_IP", "127.0.0.1",
                "INFOPRO_YARN_JARS", "local", "JAVA_HOME", System.getProperty("java.home"));
    }

    /** The ResourceManager's report of an application: its state, final status and diagnostics. */
    public ApplicationReport application(String appId) throws IOException, YarnException {
        try (YarnClient client = client()) {
            return client.getApplicationReport(ApplicationId.fromString(appId));
        }
    }

    /** How many attempts the ResourceManager made of an application. */
    public int attempts(String appId) throws IOException, YarnException {
        try (YarnClient client = client()) {
            return client.getApplicationAttempts(ApplicationId.fromString(appId)).size();
        }
    }

    /** The nodes' total resources as the ResourceManager reports them (memory, vCores and, with GPUs, yarn.io/gpu). */
    public List<Resource> nodeCapabilities() throws IOException, YarnException {
        try (YarnClient client = client()) {
            return client.getNodeReports().stream().map(NodeReport::getCapability).toList();
        }
    }

    /**
     * A YARN client with the cluster's configuration. (The ResourceManager's REST API cannot serve here: in one JVM
     * the NodeManager's web app takes over the static Guice filter they share, so the RM's /ws answers 404.)
     */
    private YarnClient client() {
        YarnConfiguration conf = new YarnConfiguration();
        for (String name : new String[] {"core-site.xml", "yarn-site.xml"}) {
            conf.addResource(new org.apache.hadoop.fs.Path(confDir().resolve(name).toUri()));
        }
        if (Files.exists(confDir().resolve("resource-types.xml"))) {
            conf.set("yarn.resource-types", "yarn.io/gpu");
            ResourceUtils.resetResourceTypes(conf);
        }
        YarnClient client = YarnClient.createYarnClient();
        client.init(conf);
        client.start();
        return client;
    }

    /**
     * The standard error of an application's containers, its driver's log among them in cluster mode, read from the
     * NodeManager's log folders (the cluster keeps them for 10 minutes after the application ends).
     */
    public String containerStderr(String appId) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path p : files.filter(f -> f.getFileName().toString().equals("stderr") && f.toString().contains("/" + appId + "/"))
                    .sorted().toList()) {
                sb.append(Files.readString(p, StandardCharsets.UTF_8));
            }
            return sb.toString();
        }
    }

    /** The application id in spark-submit's output, found as Airflow's SparkSubmitHook finds it; fails if none. */
    public static String applicationId(String submitOutput) {
        Matcher m = APP_ID.matcher(submitOutput);
        if (!m.find()) {
            throw new AssertionError("no YARN application id in spark-submit's output:\n" + submitOutput);
        }
        return m.group();
    }

    /** Stops the cluster: its standard input closes, it shuts YARN and HDFS down and exits. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        int gpus = Integer.parseInt(args[1]);
        Configuration conf = new YarnConfiguration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        String fsUri = hdfs.getFileSystem().getUri().toString();
        conf.set("fs.defaultFS", fsUri);

        // The capacity scheduler's queue, which the minicluster jar has no capacity-scheduler.xml for, and a disk
        // check that does not mark the NodeManager unhealthy on a fuller disk (as Spark's BaseYarnClusterSuite).
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.user-limit-factor", "1");
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.set("yarn.scheduler.capacity.node-locality-delay", "-1");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // Container sizes as Spark asks for them (no rounding up to 1 GB), and no memory kill: the tests measure
        // nothing about YARN's memory enforcement, and a loaded 2-core machine makes RSS spiky.
        conf.set("yarn.scheduler.minimum-allocation-mb", "128");
        conf.set("yarn.nodemanager.resource.memory-mb", "8192");
        conf.set("yarn.nodemanager.resource.cpu-vcores", "4");
        conf.set("yarn.nodemanager.pmem-check-enabled", "false");
        conf.set("yarn.nodemanager.vmem-check-enabled", "false");
        // A finished application's logs stay readable in the NodeManager's log dir for the test to report.
        conf.set("yarn.nodemanager.delete.debug-delay-sec", "600");
        if (gpus > 0) {
            conf.set("yarn.resource-types", "yarn.io/gpu");
            conf.set("yarn.nodemanager.resource-plugins", "yarn.io/gpu");
            StringBuilder devices = new StringBuilder();
            for (int i = 0; i < gpus; i++) {
                devices.append(i == 0 ? "" : ",").append(i).append(':').append(i);
            }
            conf.set("yarn.nodemanager.resource-plugins.gpu.allowed-gpu-devices", devices.toString());
            conf.set("yarn.scheduler.capacity.resource-calculator",
                    "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator");
            ResourceUtils.resetResourceTypes(conf);
        }
        MiniYARNCluster yarn = new MiniYARNCluster("infopro-it", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (yarn.getResourceManager().getRMContext().getRMNodes().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the NodeManager did not register with the ResourceManager in 120 s");
            }
            Thread.sleep(100);
        }

        Configuration live = yarn.getConfig();
        live.set("fs.defaultFS", fsUri);
        // MiniDFSCluster's rack mapping is a test class that containers do not have; clients need none
        live.unset("net.topology.node.switch.mapping.impl");
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        for (String name : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
            try (OutputStream out = Files.newOutputStream(confDir.resolve(name))) {
                live.writeXml(out);
            }
        }
        if (gpus > 0) {
            Files.writeString(confDir.resolve("resource-types.xml"), "<?xml version=\"1.0\"?>\n<configuration>\n"
                    + "  <property><name>yarn.resource-types</name><value>yarn.io/gpu</value></property>\n"
                    + "</configuration>\n", StandardCharsets.UTF_8);
        }
        Properties info = new Properties();
        info.setProperty("fs_uri", fsUri);
        Path tmp = dir.resolve("cluster.properties.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            info.store(out, "YarnTestCluster");
        }
        Files.move(tmp, dir.resolve("cluster.properties"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("yarn-test-cluster: ready: " + fsUri + ", RM " + live.get(YarnConfiguration.RM_ADDRESS));

        while (System.in.read() >= 0) {
            // runs until the parent closes the pipe or dies
        }
        yarn.stop();
        hdfs.shutdown();
        System.exit(0);
    }
}
