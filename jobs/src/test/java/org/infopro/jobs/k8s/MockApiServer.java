package org.infopro.jobs.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A test-side Kubernetes API server for K8sSubmitMockIT, run in its own JVM: fabric8's mock API server in CRUD mode
 * (it stores what clients create, and serves gets, lists and watches of it), with the two gaps that stop Spark 3.5's
 * submission client filled, and a fake kubelet for driver pods.
 * <ol>
 *   <li>Server-side apply of an object that does not exist yet creates it (the CRUD mock answers 404; a real API
 *       server creates it). Spark applies the driver's ConfigMaps and Service that way.</li>
 *   <li>A created pod gets {@code status.phase: Pending}, as from a real API server (Spark's pod watcher reads
 *       the status of every event).</li>
 *   <li>Fake kubelet: about 3 s after a driver pod ({@code spark-role=driver}) is created, its container is marked
 *       terminated with the exit code of its annotation {@code infopro.test/exit-code} (default 0), and the pod
 *       Succeeded or Failed. Executor pods stay Pending: nothing runs them.</li>
 * </ol>
 * Usage: {@code MockApiServer} prints {@code port N} on stdout once it listens on 127.0.0.1, and stops when its
 * stdin closes (so it ends with the test JVM that started it).
 */
public final class MockApiServer {
    static final String EXIT_CODE_ANNOTATION = "infopro.test/exit-code";
    private static final String INTERNAL = "X-Infopro-Mock-Internal";
    private static final Pattern POD_COLLECTION = Pattern.compile("^/api/v1/namespaces/[^/]+/pods$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private MockApiServer() {
    }

    /** The CRUD dispatcher with gaps 1 and 2 filled, by re-sending the fixed request to itself. */
    static final class ApplyAwareDispatcher extends KubernetesCrudDispatcher {
        private final HttpClient http = HttpClient.newHttpClient();
        volatile int port;

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            if (request.getHeader(INTERNAL) == null) {
                String path = request.getPath();
                String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                String type = request.getHeader("Content-Type");
                try {
                    if ("PATCH".equals(request.getMethod()) && type != null && type.startsWith("application/apply-patch")
                            && handleGet(bare).getStatus().contains(" 404 ")) {
                        JsonNode object = YAML.readTree(request.getBody().readUtf8());
                        return post(bare.substring(0, bare.lastIndexOf('/')), object);
                    }
                    if ("POST".equals(request.getMethod()) && POD_COLLECTION.matcher(bare).matches()) {
                        ObjectNode pod = (ObjectNode) JSON.readTree(request.getBody().readUtf8());
                        if (!pod.path("status").has("phase")) {
                            pod.putObject("status").put("phase", "Pending");
                        }
                        return post(bare, pod);
                    }
                } catch (IOException | InterruptedException e) {
                    return new MockResponse().setResponseCode(500).setBody(e.toString());
                }
            }
            return super.dispatch(request);
        }

        private MockResponse post(String collection, JsonNode object) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + collection))
                    .header(INTERNAL, "1").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(object))).build();
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new MockResponse().setResponseCode(resp.statusCode()).setHeader("Content-Type", "application/json")
                    .setBody(resp.body());
        }
    }

    /** Held so that the level stays set: MockWebServer logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("okhttp3.mockwebserver");

    public static void main(String[] args) throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        ApplyAwareDispatcher dispatcher = new ApplyAwareDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        dispatcher.port = server.getPort();
        NamespacedKubernetesClient client = server.createClient();
        Thread kubelet = new Thread(() -> fakeKubelet(client), "fake-kubelet");
        kubelet.setDaemon(true);
        kubelet.start();
        System.out.println("port " + server.getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes stdin
        }
        client.close();
        server.destroy();
        System.exit(0);
    }

    /** Ends every driver pod about 3 s after it appears, with the exit code of its annotation. */
    private static void fakeKubelet(NamespacedKubernetesClient client) {
        Map<String, Long> seen = new ConcurrentHashMap<>();
        while (true) {
            try {
                for (Pod pod : client.pods().inAnyNamespace().withLabel("spark-role", "driver").list().getItems()) {
                    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
                    long first = seen.computeIfAbsent(key, k -> System.nanoTime());
                    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
                    if ("Pending".equals(phase) && System.nanoTime() - first > 3_000_000_000L) {
                        terminate(client, pod);
                    }
                }
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                System.err.println("fake-kubelet: " + e);
            }
        }
    }

    private static void terminate(NamespacedKubernetesClient client, Pod pod) {
        Map<String, String> ann = pod.getMetadata().getAnnotations();
        int code = ann == null ? 0 : Integer.parseInt(ann.getOrDefault(EXIT_CODE_ANNOTATION, "0"));
        String now = Instant.now().toString();
        ContainerStatus status = new ContainerStatusBuilder()
                .withName(pod.getSpec().getContainers().get(0).getName())
                .withImage(pod.getSpec().getContainers().get(0).getImage())
                .withReady(false).withRestartCount(0)
                .withNewState().withNewTerminated().withExitCode(code).withReason(code == 0 ? "Completed" : "Error")
                .withStartedAt(now).withFinishedAt(now).endTerminated().endState()
                .build();
        Pod done = new PodBuilder(pod).editOrNewStatus()
                .withPhase(code == 0 ? "Succeeded" : "Failed").withStartTime(now)
                .withContainerStatuses(status).endStatus().build();
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(done).updateStatus();
        } catch (RuntimeException e) {
            // a mock without the status subresource for pods keeps the status of a whole-object update
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(done).update();
        }
        System.err.println("fake-kubelet: " + pod.getMetadata().getName() + " terminated, exit code " + code);
    }
}
