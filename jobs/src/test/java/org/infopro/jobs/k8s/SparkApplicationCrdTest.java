package org.infopro.jobs.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.infopro.data.config.JobSpec;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.jobs.MainJobs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structural check of the Kubeflow spark-operator manifests in submit/k8s: each validates against the operator's
 * own CRD schema (test resources k8s-crd/, fetched from kubeflow/spark-operator, see the README there), strictly:
 * a field the schema does not declare is an error here, where the API server would drop it silently. Then what the
 * schema cannot know: the main class, a real job with arguments its own parser accepts, one attempt per apply, the
 * retry-safe --if-exists mode, and GPU settings equal to conf/k8s-gpu.properties and the pod templates.
 */
class SparkApplicationCrdTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = IdxFixtures.repositoryRoot();

    /** The v1beta2 openAPIV3Schema of a CRD in test resources, made strict, as a validator. */
    static Schema strictSchema(String crdResource) throws IOException {
        JsonNode crd;
        try (InputStream in = SparkApplicationCrdTest.class.getResourceAsStream("/k8s-crd/" + crdResource)) {
            assertNotNull(in, "test resource k8s-crd/" + crdResource + " is missing");
            crd = YAML.readTree(in);
        }
        JsonNode schema = null;
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals("v1beta2")) {
                schema = v.path("schema").path("openAPIV3Schema").deepCopy();
            }
        }
        assertNotNull(schema, crdResource + " has no v1beta2 version");
        closeObjects(schema);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(schema);
    }

    /**
     * additionalProperties: false on every object schema that lists its properties and does not keep unknown
     * fields (x-kubernetes-preserve-unknown-fields), the rule by which the API server prunes fields it does not know.
     */
    static void closeObjects(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties") && !o.has("additionalProperties")
                    && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            o.elements().forEachRemaining(SparkApplicationCrdTest::closeObjects);
        } else if (node instanceof ArrayNode a) {
            a.elements().forEachRemaining(SparkApplicationCrdTest::closeObjects);
        }
    }

    static List<String> errors(Schema schema, JsonNode manifest) {
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(manifest)) {
            out.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    static JsonNode read(Path p) throws IOException {
        return YAML.readTree(p.toFile());
    }

    static List<Path> manifests(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(ROOT.resolve("submit/k8s"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The SparkApplication spec of a manifest: spec itself, or a ScheduledSparkApplication's spec.template. */
    static JsonNode appSpec(JsonNode manifest) {
        return manifest.path("kind").asText().equals("ScheduledSparkApplication")
                ? manifest.path("spec").path("template") : manifest.path("spec");
    }

    @Test
    void everySparkApplicationManifestIsValidUnderTheOperatorsCrdWithNoUnknownField() throws IOException {
        Schema schema = strictSchema("sparkoperator.k8s.io_sparkapplications.yaml");
        List<Path> apps = manifests(".sparkapplication.yaml");
        assertTrue(apps.size() >= 2, "expected a prep and a train SparkApplication in submit/k8s, found " + apps);
        for (Path p : apps) {
            JsonNode m = read(p);
            assertEquals("SparkApplication", m.path("kind").asText(), p.toString());
            assertEquals("sparkoperator.k8s.io/v1beta2", m.path("apiVersion").asText(), p.toString());
            assertEquals(List.of(), errors(schema, m), p.getFileName() + " against the SparkApplication CRD");
        }
    }

    @Test
    void everyScheduledSparkApplicationManifestIsValidUnderTheOperatorsCrdWithNoUnknownField() throws IOException {
        Schema schema = strictSchema("sparkoperator.k8s.io_scheduledsparkapplications.yaml");
        List<Path> scheduled = manifests(".scheduledsparkapplication.yaml");
        assertFalse(scheduled.isEmpty(), "expected a ScheduledSparkApplication in submit/k8s");
        for (Path p : scheduled) {
            JsonNode m = read(p);
            assertEquals("ScheduledSparkApplication", m.path("kind").asText(), p.toString());
            assertEquals(List.of(), errors(schema, m), p.getFileName() + " against the ScheduledSparkApplication CRD");
            assertEquals("Forbid", m.path("spec").path("concurrencyPolicy").asText(),
                    p.getFileName() + ": two nights must never train into the same --out at once");
        }
    }

    @Test
    void aBrokenManifestIsRejectedWithTheUnknownFieldAndTheWrongTypeNamed() throws IOException {
        Schema schema = strictSchema("sparkoperator.k8s.io_sparkapplications.yaml");
        ObjectNode broken = (ObjectNode) read(ROOT.resolve("submit/k8s/train.sparkapplication.yaml"));
        ObjectNode executor = (ObjectNode) broken.path("spec").path("executor");
        executor.set("gpus", IntNode.valueOf(1));              // the field is "gpu: {name, quantity}"
        executor.set("instances", TextNode.valueOf("two"));    // an integer
        List<String> errors = errors(schema, broken);
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("gpus") && e.contains("/spec/executor")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("/spec/executor/instances") && e.contains("integer")), errors.toString());
    }

    @Test
    void everyManifestRunsARealJobOfMainWithArgumentsItsParserAccepts() throws IOException {
        Map<String, JobSpec<?>> jobs = MainJobs.byName();
        List<Path> all = new ArrayList<>(manifests(".sparkapplication.yaml"));
        all.addAll(manifests(".scheduledsparkapplication.yaml"));
        for (Path p : all) {
            JsonNode spec = appSpec(read(p));
            String name = p.getFileName().toString();
            assertEquals("org.infopro.jobs.Main", spec.path("mainClass").asText(), name);
            assertEquals("local:///opt/infopro/infopro-jobs.jar", spec.path("mainApplicationFile").asText(),
                    name + ": the jar's path in the image (submit/k8s/Dockerfile)");
            List<String> args = new ArrayList<>();
            spec.path("arguments").forEach(a -> args.add(a.asText()));
            assertFalse(args.isEmpty(), name + " has no arguments");
            JobSpec<?> job = jobs.get(args.get(0));
            assertNotNull(job, name + ": '" + args.get(0) + "' is not a job of Main; jobs: " + jobs.keySet());
            String[] options = args.subList(1, args.size()).toArray(String[]::new);
            assertNotNull(job.parse(options), name);   // a ConfigException names the bad option
            // one attempt per apply: retries are the orchestrator's, rerunning the same command line
            assertEquals("Never", spec.path("restartPolicy").path("type").asText(), name);
            assertTrue(args.contains("--if-exists"), name + " must say --if-exists (retry-safe)");
            String ifExists = args.get(args.indexOf("--if-exists") + 1);
            assertEquals(job.name().equals("train") ? "resume" : "skip-ok", ifExists, name + ": the retry-safe --if-exists");
            assertFalse(spec.path("executor").path("memoryOverhead").asText().isEmpty(),
                    name + ": executor memoryOverhead must be set (ND4J's memory is off-heap)");
        }
    }

    @Test
    void theGpuTrainingManifestsAgreeWithTheGpuPropertiesAndTheExecutorPodTemplate() throws IOException {
        Properties gpu = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("conf/k8s-gpu.properties"))) {
            gpu.load(r);
        }
        JsonNode template = read(ROOT.resolve("submit/k8s/executor-template.yaml"));
        List<Path> trains = new ArrayList<>();
        for (Path p : manifests("application.yaml")) {
            if (appSpec(read(p)).path("arguments").path(0).asText().equals("train")) {
                trains.add(p);
            }
        }
        assertTrue(trains.size() >= 2, "expected train.sparkapplication.yaml and the nightly one, found " + trains);
        for (Path p : trains) {
            JsonNode spec = appSpec(read(p));
            String name = p.getFileName().toString();
            JsonNode conf = spec.path("sparkConf");
            for (String key : List.of("spark.executor.resource.gpu.amount", "spark.executor.resource.gpu.vendor",
                    "spark.executor.resource.gpu.discoveryScript", "spark.task.resource.gpu.amount",
                    "spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
                assertEquals(gpu.getProperty(key), conf.path(key).asText(null), name + " sparkConf " + key + " vs conf/k8s-gpu.properties");
            }
            assertEquals(template.path("spec").path("nodeSelector"), spec.path("executor").path("nodeSelector"),
                    name + ": executor nodeSelector vs executor-template.yaml");
            assertEquals(template.path("spec").path("tolerations"), spec.path("executor").path("tolerations"),
                    name + ": executor tolerations vs executor-template.yaml");
        }
    }

    @Test
    void theJvmOptionsInTheGpuPropertiesAreTheDashDOptionsOfJvm17Args() throws IOException {
        Properties gpu = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("conf/k8s-gpu.properties"))) {
            gpu.load(r);
        }
        List<String> dOptions = Files.readAllLines(ROOT.resolve("conf/jvm17.args")).stream()
                .map(String::strip).filter(l -> l.startsWith("-D")).toList();
        assertFalse(dOptions.isEmpty());
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            assertEquals(dOptions, List.of(gpu.getProperty(key).strip().split("\\s+")), key);
        }
        assertEquals("1", gpu.getProperty("spark.executor.resource.gpu.amount"));
        assertEquals("nvidia.com", gpu.getProperty("spark.executor.resource.gpu.vendor"));
        assertNotNull(gpu.getProperty("spark.executor.memoryOverhead"), "memoryOverhead must be explicit");
        for (String key : List.of("spark.kubernetes.driver.podTemplateFile", "spark.kubernetes.executor.podTemplateFile")) {
            assertTrue(Files.isRegularFile(ROOT.resolve(gpu.getProperty(key))), key + " = " + gpu.getProperty(key) + " is not a file");
        }
    }

    @Test
    void thePodTemplatesArePodsWithSparksContainerNamesAndTheExecutorsGpuLimit() throws IOException {
        JsonNode exec = read(ROOT.resolve("submit/k8s/executor-template.yaml"));
        JsonNode drv = read(ROOT.resolve("submit/k8s/driver-template.yaml"));
        for (JsonNode t : List.of(exec, drv)) {
            assertEquals("Pod", t.path("kind").asText());
            assertEquals("v1", t.path("apiVersion").asText());
        }
        assertEquals("spark-kubernetes-executor", exec.path("spec").path("containers").path(0).path("name").asText());
        assertEquals("spark-kubernetes-driver", drv.path("spec").path("containers").path(0).path("name").asText());
        assertEquals(1, exec.path("spec").path("containers").path(0).path("resources").path("limits").path("nvidia.com/gpu").asInt());
        assertTrue(drv.path("spec").path("containers").path(0).path("resources").path("limits").path("nvidia.com/gpu").isMissingNode(),
                "the driver trains nothing and must not hold a GPU");
        Iterator<JsonNode> tol = exec.path("spec").path("tolerations").elements();
        assertTrue(tol.hasNext() && tol.next().path("key").asText().equals("nvidia.com/gpu"));
    }
}
