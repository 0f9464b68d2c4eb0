package org.infopro.jobs.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real spark-submit ({@code org.apache.spark.deploy.SparkSubmit}, Spark 3.5 with spark-kubernetes 3.5.6, in its own
 * JVM) against a mock Kubernetes API server ({@link MockApiServer}, fabric8's, in another JVM), with the project's
 * {@code conf/k8s-gpu.properties}, pod templates and {@code conf/log4j2.properties}. What it proves is structural:
 * the pods Spark asks Kubernetes for, and what the submitting JVM reports of the driver's exit code. No pod runs
 * (the mock's fake kubelet only ends driver pods with a chosen exit code); real nodes, the NVIDIA device plugin,
 * image pull and RBAC are not checked here (docs/operations/kubernetes.md).
 */
class K8sSubmitMockIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = IdxFixtures.repositoryRoot();
    private static final String IMAGE = "infopro-spark:it";
    private static Process mock;
    private static int port;

    @BeforeAll
    static void startMockApiServer() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        mock = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), MockApiServer.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(mock.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("port "), "the mock API server did not start: " + line);
        port = Integer.parseInt(line.substring(5).strip());
    }

    @AfterAll
    static void stopMockApiServer() throws Exception {
        if (mock != null) {
            mock.getOutputStream().close();
            if (!mock.waitFor(10, TimeUnit.SECONDS)) {
                mock.destroyForcibly();
            }
        }
    }

    /** spark-submit's class path: Spark as the jobs jar's build resolved it, plus spark-kubernetes and its client. */
    static String submitClassPath() throws IOException {
        Path sparkCp = Path.of(System.getenv().getOrDefault("INFOPRO_JAR", ROOT.resolve("jobs/target/infopro-jobs.jar").toString()))
                .resolveSibling("spark-classpath.txt");
        List<String> cp = new ArrayList<>(List.of(Files.readString(sparkCp).strip().split(File.pathSeparator)));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = e.replace('\\', '/');
            boolean k8sClient = n.contains("/spark-kubernetes_") || n.contains("/io/fabric8/kubernetes-")
                    || n.contains("/io/fabric8/zjsonpatch/") || n.contains("/com/squareup/okhttp3/okhttp/")
                    || n.contains("/com/squareup/okhttp3/logging-interceptor/") || n.contains("/com/squareup/okio/")
                    || n.contains("/org/snakeyaml/") || n.contains("/jackson-dataformat-yaml/") || n.contains("/org/yaml/snakeyaml/");
            if (k8sClient && !n.contains("/kubernetes-server-mock/")) {
                cp.add(e);
            }
        }
        return String.join(File.pathSeparator, cp);
    }

    /** How a spark-submit ended; in client mode also the executor pods seen while it ran (Spark deletes them when it stops). */
    record Submit(int code, String output, double seconds, List<JsonNode> executors) {
    }

    /** Runs spark-submit with the GPU properties; returns its exit code and merged output. */
    static Submit submit(Path log, String namespace, String deployMode, List<String> extraConf, List<String> appArgs, boolean waitForExit)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "@" + ROOT.resolve("conf/jvm17.args"),
                "-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2.properties").toUri(),
                "-cp", submitClassPath(), "org.apache.spark.deploy.SparkSubmit",
                "--master", "k8s://http://127.0.0.1:" + port, "--deploy-mode", deployMode,
                "--name", "infopro-it", "--class", "org.infopro.jobs.Main",
                "--properties-file", "conf/k8s-gpu.properties",
                "--conf", "spark.kubernetes.container.image=" + IMAGE,
                "--conf", "spark.kubernetes.namespace=" + namespace,
                "--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
                "--conf", "spark.kubernetes.submission.connectionTimeout=5000",
                "--conf", "spark.kubernetes.report.interval=500ms"));
        for (String c : extraConf) {
            cmd.add("--conf");
            cmd.add(c);
        }
        cmd.addAll(appArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (waitForExit) {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("spark-submit did not end within 2 minutes:\n" + Files.readString(log));
            }
            return new Submit(p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9, List.of());
        }
        // client mode: the local driver waits for executors that never start; stop it once its pods are there
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            List<JsonNode> executors = List.of();
            while (System.nanoTime() < deadline && p.isAlive() && executors.size() < 2) {
                Thread.sleep(250);
                executors = pods(namespace, "spark-role=executor");
            }
            return new Submit(p.isAlive() ? -1 : p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9, executors);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    static List<JsonNode> list(String namespace, String kind, String labelSelector) throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + port + "/api/v1/namespaces/" + namespace + "/" + kind
                + (labelSelector == null ? "" : "?labelSelector=" + labelSelector.replace("=", "%3D"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        List<JsonNode> items = new ArrayList<>();
        JSON.readTree(r.body()).path("items").forEach(items::add);
        return items;
    }

    static List<JsonNode> pods(String namespace, String labelSelector) throws IOException, InterruptedException {
        return list(namespace, "pods", labelSelector);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return out;
    }

    private static Submit clusterRun(Path tmp, String namespace, int exitCode) throws Exception {
        return submit(tmp.resolve(namespace + ".log"), namespace, "cluster",
                List.of("spark.kubernetes.driver.annotation." + MockApiServer.EXIT_CODE_ANNOTATION + "=" + exitCode),
                List.of("local:///opt/infopro/infopro-jobs.jar", "gpu-check", "--tasks", "2"), true);
    }

    @Test
    void clusterModeDriverPodHasTheImageArgsMemoryAndTemplateAndExitCode0IsLogged(@TempDir Path tmp) throws Exception {
        Submit s = clusterRun(tmp, "infopro-ok", 0);
        System.out.printf("cluster mode, driver exit 0: spark-submit rc %d in %.1f s%n", s.code(), s.seconds());
        assertEquals(0, s.code(), s.output());
        assertTrue(s.output().contains("exit code: 0"), "no 'exit code: 0' line with conf/log4j2.properties:\n" + s.output());

        List<JsonNode> drivers = pods("infopro-ok", "spark-role=driver");
        assertEquals(1, drivers.size(), drivers.toString());
        JsonNode pod = drivers.get(0);
        JsonNode c = pod.path("spec").path("containers").path(0);
        assertEquals(IMAGE, c.path("image").asText());
        assertEquals("spark-kubernetes-driver", c.path("name").asText(), "the template's container is Spark's");
        List<String> args = texts(c.path("args"));
        int cls = args.indexOf("--class");
        assertTrue(cls >= 0 && args.get(cls + 1).equals("org.infopro.jobs.Main"), args.toString());
        assertEquals(List.of("local:///opt/infopro/infopro-jobs.jar", "gpu-check", "--tasks", "2"),
                args.subList(args.size() - 4, args.size()), args.toString());
        // spark.driver.memory 2g + spark.driver.memoryOverhead 1g (conf/k8s-gpu.properties)
        assertEquals("3072Mi", c.path("resources").path("limits").path("memory").asText(), c.path("resources").toString());
        assertEquals("3072Mi", c.path("resources").path("requests").path("memory").asText(), c.path("resources").toString());
        assertTrue(c.path("resources").path("limits").path("nvidia.com/gpu").isMissingNode(), "the driver holds no GPU");
        // merged from submit/k8s/driver-template.yaml
        assertEquals("linux", pod.path("spec").path("nodeSelector").path("kubernetes.io/os").asText(), pod.path("spec").toString());
        assertEquals("driver", pod.path("metadata").path("labels").path("infopro/role").asText());
        assertTrue(c.path("volumeMounts").toString().contains("\"/data\""), c.path("volumeMounts").toString());
        assertEquals("Never", pod.path("spec").path("restartPolicy").asText());
        assertEquals("spark", pod.path("spec").path("serviceAccountName").asText());
        assertTrue(c.path("env").toString().contains("OMP_NUM_THREADS"), c.path("env").toString());
        // the executors' template and conf travel in ConfigMaps for the driver
        String configMaps = list("infopro-ok", "configmaps", null).toString();
        assertTrue(configMaps.contains("nvidia.com/gpu.present"), "executor pod template not shipped: " + configMaps);
        assertTrue(configMaps.contains("spark.executor.resource.gpu.amount"), configMaps);
        assertEquals("Succeeded", pods("infopro-ok", "spark-role=driver").get(0).path("status").path("phase").asText());
    }

    @Test
    void clusterModeSparkSubmitExits0WhenTheDriverExits2AndOnlyTheLogLineCarriesTheCode(@TempDir Path tmp) throws Exception {
        Submit s = clusterRun(tmp, "infopro-invalid", 2);
        System.out.printf("cluster mode, driver exit 2: spark-submit rc %d in %.1f s%n", s.code(), s.seconds());
        assertEquals(0, s.code(), "spark-submit's own code in k8s cluster mode:\n" + s.output());
        assertTrue(s.output().contains("exit code: 2"), "no 'exit code: 2' line:\n" + s.output());
        assertTrue(s.output().contains("termination reason: Error"), s.output());
        assertEquals("Failed", pods("infopro-invalid", "spark-role=driver").get(0).path("status").path("phase").asText());
    }

    @Test
    void clientModeExecutorPodsGetTheGpuLimitMemoryAndTheExecutorTemplate(@TempDir Path tmp) throws Exception {
        Path jar = Path.of(System.getenv().getOrDefault("INFOPRO_JAR", ROOT.resolve("jobs/target/infopro-jobs.jar").toString()));
        Submit s = submit(tmp.resolve("client.log"), "infopro-client", "client",
                List.of("spark.executor.instances=2", "spark.driver.host=127.0.0.1", "spark.ui.enabled=false"),
                List.of(jar.toString(), "gpu-check", "--tasks", "2"), false);
        System.out.printf("client mode: 2 executor pods after %.1f s%n", s.seconds());
        List<JsonNode> executors = s.executors();
        assertEquals(-1, s.code(), "the local driver must still be waiting for its executors:\n" + s.output());
        assertEquals(2, executors.size(), "executor pods in the mock; spark-submit said:\n" + s.output());
        for (JsonNode pod : executors) {
            JsonNode c = pod.path("spec").path("containers").path(0);
            assertEquals(IMAGE, c.path("image").asText());
            assertEquals("spark-kubernetes-executor", c.path("name").asText());
            JsonNode limits = c.path("resources").path("limits");
            assertEquals("1", limits.path("nvidia.com/gpu").asText(), c.path("resources").toString());
            // spark.executor.memory 4g + spark.executor.memoryOverhead 6g
            assertEquals("10240Mi", limits.path("memory").asText(), c.path("resources").toString());
            assertEquals("true", pod.path("spec").path("nodeSelector").path("nvidia.com/gpu.present").asText(), pod.path("spec").toString());
            assertEquals("nvidia.com/gpu", pod.path("spec").path("tolerations").path(0).path("key").asText(), pod.path("spec").toString());
            assertTrue(c.path("env").toString().contains("CUDA_DEVICE_ORDER"), c.path("env").toString());
            String opts = c.path("env").toString();
            assertTrue(opts.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=8G"), "executor JVM options: " + opts);
            assertEquals("Pending", pod.path("status").path("phase").asText());
        }
        try (Stream<String> lines = s.output().lines()) {
            assertTrue(lines.noneMatch(l -> l.contains("Exception") && l.contains("KubernetesClient")), s.output());
        }
    }
}
