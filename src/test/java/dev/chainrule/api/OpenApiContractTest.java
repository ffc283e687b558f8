package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chainrule.KeyedService;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.TestHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.NestedTestConfiguration;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps openapi/openapi.yaml true: drives the real service over HTTP through a whole iris session (define, train
 * with a validation split, follow, list, predict, input gradients, continue, queue full, cancel, delete), at
 * least one of every error and the actuator endpoints (health, info, metrics, Prometheus), and checks every request
 * and response against the spec (see {@link OpenApiContract}). It then asserts that every operation in the spec
 * was exercised and that every controller mapping and exposed actuator endpoint is in the spec, so neither side
 * can drift. It also checks the spec's own examples, that the app serves the spec byte for byte at /openapi.yaml,
 * and that Swagger UI is served. {@link WithApiKeys} does the same for 401 and 403 against a service with keys.
 *
 * <p>One worker and a queue of one make "queue full" reachable; a 64KB request limit makes 413 cheap.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.limits.max-request-size=64KB", "chainrule.limits.max-dataset-size=64KB", "chainrule.jobs.workers=1",
        "chainrule.jobs.queue-capacity=1"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {
    static final Path SPEC = Path.of("openapi", "openapi.yaml");
    static final String READ_KEY = KeyedService.READ;
    static final String ADMIN_KEY = KeyedService.ADMIN;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Value("${local.server.port}")
    int port;

    @Autowired
    ApplicationContext context;

    private OpenApiContract contract;
    private List<double[]> irisFeatures;
    private List<Integer> irisSpecies;
    /** How many of the five flows that exercise the operations passed; coverage only means something after all. */
    private int flowsPassed;

    /** Whether the request itself must conform to the spec, or is a deliberately invalid one the spec rejects too. */
    enum Sent { CONFORMING, NONCONFORMING }

    /** A response, its body parsed when it is JSON. */
    record Reply(int status, HttpResponse<String> response, JsonNode json) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    @BeforeAll
    void load() throws IOException {
        contract = new OpenApiContract(SPEC);
        irisFeatures = new ArrayList<>();
        irisSpecies = new ArrayList<>();
        List<String> lines = Files.readAllLines(TestDatasets.file("iris/iris.csv"));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            irisFeatures.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[1]),
                    Double.parseDouble(cells[2]), Double.parseDouble(cells[3])});
            irisSpecies.add(Integer.parseInt(cells[4].trim()));
        }
        assertThat(irisFeatures).hasSize(150);
    }

    @Test
    @Order(1)
    void irisSessionConformsToTheSpec() throws Exception {
        // a service without keys lets every caller do everything
        assertThat(call("GET", "/access", null, 200).json().path("access").asString()).isEqualTo("ADMIN");
        // define
        Reply created = call("POST", "/models", json(Map.of("name", "iris", "description", "Iris species from sepal and petal measurements",
                "inputWidth", 4, "layers", List.of(Map.of("units", 8, "activation", "relu"), Map.of("units", 3, "activation", "softmax")),
                "loss", "cross_entropy", "seed", 42)), 201);
        String modelId = created.json().path("id").asString();
        assertThat(created.header("Location")).isEqualTo(base() + "/models/" + modelId);
        assertThat(call("GET", "/models/" + modelId, null, 200).json().path("trainingState").asString()).isEqualTo("UNTRAINED");
        call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)))), 409);
        call("POST", "/models/" + modelId + "/predict/dry-run", json(Map.of("instances", List.of(irisFeatures.get(0)))), 409);

        // train with a validation split, follow it by polling and as events
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("modelId", modelId);
        train.put("data", Map.of("features", irisFeatures, "targets", irisSpecies));
        train.put("validationSplit", 0.2);
        train.put("epochs", 40);
        train.put("batchSize", 16);
        train.put("optimizer", Map.of("type", "adam", "learningRate", 0.01));
        train.put("shuffleSeed", 7);
        Reply queued = call("POST", "/train", json(train), 202);
        String jobId = queued.json().path("id").asString();
        assertThat(queued.header("Location")).isEqualTo(base() + "/jobs/" + jobId);
        JsonNode job = waitFor(jobId, "SUCCEEDED");
        assertThat(job.path("version").asInt()).isEqualTo(1);
        assertThat(job.path("history")).hasSize(40);
        assertThat(job.path("history").get(0).has("validationLoss")).isTrue();

        Reply events = call("GET", "/jobs/" + jobId + "/events", null, 200);
        List<String> names = OpenApiContract.parseEvents(events.response().body()).stream().map(e -> e.path("event").asString()).toList();
        assertThat(names).hasSize(41).endsWith("end");
        assertThat(names.subList(0, 40)).containsOnly("epoch");

        // list and show
        assertThat(call("GET", "/models?page=0&size=10", null, 200).json().path("items").findValuesAsString("id")).contains(modelId);
        Reply jobs = call("GET", "/jobs?modelId=" + modelId + "&status=SUCCEEDED&page=0&size=5", null, 200);
        assertThat(jobs.json().path("totalItems").asLong()).isEqualTo(1);
        call("GET", "/jobs", null, 200);
        JsonNode model = call("GET", "/models/" + modelId, null, 200).json();
        assertThat(model.path("trainingState").asString()).isEqualTo("TRAINED");
        assertThat(model.path("latestVersion").asInt()).isEqualTo(1);

        // predict and explain: one flower of each species
        List<double[]> flowers = List.of(irisFeatures.get(0), irisFeatures.get(50), irisFeatures.get(100));
        Reply predicted = call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", flowers)), 200);
        assertThat(predicted.json().path("task").asString()).isEqualTo("classification");
        assertThat(predicted.json().path("predictions")).hasSize(3);
        assertThat(predicted.json().path("predictions").get(0).path("classIndex").asInt()).isEqualTo(0);
        call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", flowers.subList(0, 1), "version", 1)), 200);
        call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", flowers.subList(0, 1), "version", 9)), 404);
        // the same rows as little-endian float32: the same answer
        java.nio.ByteBuffer float32 = java.nio.ByteBuffer.allocate(3 * 4 * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        flowers.forEach(row -> Arrays.stream(row).forEach(v -> float32.putFloat((float) v)));
        HttpResponse<byte[]> binary = sendBytes("POST", "/models/" + modelId + "/predict?version=1", "application/octet-stream",
                float32.array(), 200);
        assertThat(JSON.readTree(binary.body())).isEqualTo(predicted.json());
        sendBytes("POST", "/models/" + modelId + "/predict/dry-run", "application/octet-stream", Arrays.copyOf(float32.array(), 20), 400);
        // the same checks without the forward pass: the count and task predict would answer with, or predict's 400
        Reply dryRun = call("POST", "/models/" + modelId + "/predict/dry-run", json(Map.of("instances", flowers, "version", 1)), 200);
        assertThat(dryRun.json().path("instances").asInt()).isEqualTo(3);
        assertThat(dryRun.json().path("task").asString()).isEqualTo("classification");
        Reply narrowRow = call("POST", "/models/" + modelId + "/predict/dry-run",
                json(Map.of("instances", List.of(irisFeatures.get(0), List.of(5.1, 3.5)))), 400);
        assertThat(narrowRow.json().path("errors").findValuesAsString("field")).containsExactly("instances[1]");
        Reply gradients = call("POST", "/models/" + modelId + "/input-gradients",
                json(Map.of("instances", flowers.subList(0, 2), "targets", List.of(0, List.of(0, 1, 0)))), 200);
        assertThat(gradients.json().path("gradients")).hasSize(2);
        assertThat(gradients.json().path("gradients").get(0)).hasSize(4);

        // continue from version 1 with given validation rows and one-hot targets
        Map<String, Object> more = new LinkedHashMap<>();
        more.put("modelId", modelId);
        more.put("data", Map.of("features", irisFeatures.subList(0, 120), "targets", oneHot(irisSpecies.subList(0, 120))));
        more.put("validation", Map.of("features", irisFeatures.subList(120, 150), "targets", irisSpecies.subList(120, 150)));
        more.put("epochs", 2);
        more.put("optimizer", Map.of("type", "momentum", "learningRate", 0.01, "momentum", 0.9));
        more.put("l2", 0.0001);
        more.put("earlyStopping", Map.of("patience", 3, "minDelta", 0.0, "restoreBest", true));
        more.put("initialization", "continue");
        more.put("fromVersion", 1);
        JsonNode continued = waitFor(call("POST", "/train", json(more), 202).json().path("id").asString(), "SUCCEEDED");
        assertThat(continued.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(continued.path("version").asInt()).isEqualTo(2);

        // aliases: promote version 1, make it the default, move it, and the errors of each route
        String aliases = "/models/" + modelId + "/aliases";
        Reply promoted = call("PUT", aliases + "/production", json(Map.of("version", 1)), 201);
        assertThat(promoted.header("Location")).isEqualTo(base() + aliases + "/production");
        call("PUT", aliases + "/staging", json(Map.of("version", "latest")), 201);
        call("PUT", "/models/" + modelId + "/default-alias", json(Map.of("alias", "production")), 200);
        Reply viaDefault = call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", flowers)), 200);
        assertThat(viaDefault.json().path("alias").asString()).isEqualTo("production");
        assertThat(viaDefault.json().path("version").asInt()).isEqualTo(1);
        call("POST", "/models/" + modelId + "/predict/dry-run", json(Map.of("instances", flowers, "version", "staging")), 200);
        call("POST", "/models/" + modelId + "/input-gradients",
                json(Map.of("instances", flowers.subList(0, 1), "targets", List.of(0), "version", "production")), 200);
        sendBytes("POST", "/models/" + modelId + "/predict?version=staging", "application/octet-stream", float32.array(), 200);
        call("PUT", aliases + "/production", json(Map.of("version", "staging")), 200);
        JsonNode listed = call("GET", aliases, null, 200).json();
        assertThat(listed.path("defaultAlias").asString()).isEqualTo("production");
        assertThat(call("GET", aliases + "/production", null, 200).json().path("history")).hasSize(2);
        call("GET", "/models/" + modelId, null, 200);
        call("PUT", aliases + "/Production", json(Map.of("version", 1)), Sent.NONCONFORMING, 400);
        call("PUT", aliases + "/production", json(Map.of("version", 9)), 404);
        call("GET", aliases + "/123", null, Sent.NONCONFORMING, 400);
        call("GET", aliases + "/nosuch", null, 404);
        call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", flowers, "version", "nosuch")), 404);
        call("PUT", "/models/" + modelId + "/default-alias", json(Map.of("alias", "nosuch")), 404);
        call("PUT", "/models/" + modelId + "/default-alias", json(Map.of()), Sent.NONCONFORMING, 400);
        call("DELETE", aliases + "/production", null, 409);
        call("DELETE", aliases + "/nosuch", null, 404);
        call("DELETE", aliases + "/No", null, Sent.NONCONFORMING, 400);
        call("DELETE", "/models/" + modelId + "/default-alias", null, 200);
        call("DELETE", aliases + "/staging", null, 204);
        sendBytes("GET", "/models/" + modelId + "/versions/production/export", null, null, 200);
        sendBytes("GET", "/models/" + modelId + "/versions/nosuch/export", null, null, 404);

        // export version 2 as a file, import it as a new model: the same predictions, to the last bit
        HttpResponse<byte[]> exported = sendBytes("GET", "/models/" + modelId + "/versions/2/export", null, null, 200);
        assertThat(exported.headers().firstValue("Content-Disposition").orElse(""))
                .isEqualTo("attachment; filename=\"iris-v2.chainrule\"");
        HttpResponse<byte[]> imported = sendBytes("POST", "/models/import?name=iris-copy", "application/octet-stream",
                exported.body(), 201);
        JsonNode copy = JSON.readTree(imported.body());
        assertThat(copy.path("name").asString()).isEqualTo("iris-copy");
        assertThat(copy.path("latestVersion").asInt()).isEqualTo(1);
        assertThat(imported.headers().firstValue("Location").orElse("")).isEqualTo(base() + "/models/" + copy.path("id").asString());
        String predictAll = json(Map.of("instances", irisFeatures));
        assertThat(call("POST", "/models/" + copy.path("id").asString() + "/predict", predictAll, 200).json().path("predictions"))
                .isEqualTo(call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", irisFeatures, "version", 2)), 200)
                        .json().path("predictions"));
        sendBytes("GET", "/models/" + modelId + "/versions/9/export", null, null, 404);
        // the same version as ONNX (OnnxExportApiTest runs such files in ONNX Runtime); an unknown format is a 400
        HttpResponse<byte[]> onnx = sendBytes("GET", "/models/" + modelId + "/versions/2/export?format=onnx", null, null, 200);
        assertThat(onnx.headers().firstValue("Content-Disposition").orElse("")).isEqualTo("attachment; filename=\"iris-v2.onnx\"");
        assertThat(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(onnx.body()).getOpsetImport(0).getVersion()).isEqualTo(13);
        Reply unknownFormat = call("GET", "/models/" + modelId + "/versions/2/export?format=pmml", null, Sent.NONCONFORMING, 400);
        assertThat(unknownFormat.json().path("errors").findValuesAsString("field")).containsExactly("format");
        sendBytes("POST", "/models/import", "application/octet-stream", "not a model".getBytes(StandardCharsets.UTF_8), 400);
        call("DELETE", "/models/" + copy.path("id").asString(), null, 204);

        // the only worker busy and the queue of one full: 429; the model cannot go while its jobs are pending
        Map<String, Object> longJob = new LinkedHashMap<>();
        longJob.put("modelId", modelId);
        longJob.put("data", Map.of("features", irisFeatures, "targets", irisSpecies));
        longJob.put("epochs", 10000);
        longJob.put("batchSize", 1);
        String running = call("POST", "/train", json(longJob), 202).json().path("id").asString();
        waitFor(running, "RUNNING");
        Map<String, Object> small = Map.of("modelId", modelId, "data", Map.of("features", irisFeatures.subList(0, 10),
                "targets", irisSpecies.subList(0, 10)), "epochs", 1);
        Reply waiting = call("POST", "/train", json(small), 202);
        assertThat(waiting.json().path("status").asString()).isEqualTo("QUEUED");
        Reply full = call("POST", "/train", json(small), 429);
        assertThat(full.header("Retry-After")).isNotBlank();
        call("DELETE", "/models/" + modelId, null, 409);
        JsonNode cancelledAtOnce = call("POST", "/jobs/" + waiting.json().path("id").asString() + "/cancel", null, 202).json();
        assertThat(cancelledAtOnce.path("status").asString()).isEqualTo("CANCELLED");
        call("POST", "/jobs/" + running + "/cancel", null, 202);
        assertThat(waitFor(running, "CANCELLED").has("version")).isFalse();
        assertThat(call("GET", "/jobs?status=CANCELLED", null, 200).json().path("totalItems").asLong()).isEqualTo(2);

        // delete, once the cancelled job has let go of the model (it does so just after its status changes)
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (call("GET", "/models/" + modelId, null, 200).json().path("trainingState").asString().equals("TRAINING")) {
            assertThat(System.nanoTime()).as("model still TRAINING after its jobs ended").isLessThan(deadline);
            Thread.sleep(20);
        }
        call("DELETE", "/models/" + modelId, null, 204);
        call("GET", "/models/" + modelId, null, 404);
        flowsPassed++;
    }

    @Test
    @Order(2)
    void everyKindOfErrorConformsToTheSpec() throws Exception {
        // 400 invalid-request: every problem at once, named by its JSON path
        Reply invalid = call("POST", "/models", json(Map.of("inputWidth", 0, "layers", List.of(Map.of("units", 3, "activation", "swish")))),
                Sent.NONCONFORMING, 400);
        assertThat(invalid.json().path("type").asString()).isEqualTo("/problems/invalid-request");
        assertThat(invalid.json().path("errors").findValuesAsString("field")).containsExactly("inputWidth", "layers[0].activation", "loss");
        Reply wrongType = call("POST", "/models", "{\"inputWidth\": \"4\", \"layers\": [{\"units\": 3, \"activation\": \"softmax\"}], \"loss\": \"cross_entropy\"}",
                Sent.NONCONFORMING, 400);
        assertThat(wrongType.json().path("errors").get(0).path("field").asString()).isEqualTo("inputWidth");
        call("GET", "/jobs?page=-1&size=500", null, Sent.NONCONFORMING, 400);
        call("GET", "/models?size=0", null, Sent.NONCONFORMING, 400);
        Reply wordForNumber = call("GET", "/models?size=ten", null, Sent.NONCONFORMING, 400);
        assertThat(wordForNumber.json().path("type").asString()).isEqualTo("/problems/invalid-request");
        assertThat(wordForNumber.json().path("errors").findValuesAsString("field")).containsExactly("size");

        // 400 invalid-request for a field the request does not have (at any depth), and for a fraction given to an integer
        Reply unknownField = call("POST", "/models", json(Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 3,
                "activation", "softmax", "dropout", 0.5)), "loss", "cross_entropy")), Sent.NONCONFORMING, 400);
        assertThat(unknownField.json().path("type").asString()).isEqualTo("/problems/invalid-request");
        assertThat(unknownField.json().path("errors")).hasSize(1);
        assertThat(unknownField.json().path("errors").get(0).path("field").asString()).isEqualTo("layers[0].dropout");
        assertThat(unknownField.json().path("errors").get(0).path("reason").asString())
                .startsWith("is not a field of this request; known fields: ").contains("units", "activation");
        Reply misspelt = call("POST", "/train", json(Map.of("modelId", "m", "data", Map.of("features", List.of(irisFeatures.get(0)),
                "targets", List.of(0)), "optimizer", Map.of("type", "adam", "learningrate", 0.1))), Sent.NONCONFORMING, 400);
        assertThat(misspelt.json().path("errors").findValuesAsString("field")).containsExactly("optimizer.learningrate");
        Reply fraction = call("POST", "/train", json(Map.of("modelId", "m", "data", Map.of("features", List.of(irisFeatures.get(0)),
                "targets", List.of(0)), "epochs", 2.5)), Sent.NONCONFORMING, 400);
        assertThat(fraction.json().path("errors").findValuesAsString("field")).containsExactly("epochs");

        // maxout: its pieces required, within chainrule.limits.max-pieces, and shown with the layer
        Reply noPieces = call("POST", "/models", json(Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 3, "activation", "maxout"),
                Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy")), Sent.CONFORMING, 400);
        assertThat(noPieces.json().path("errors").findValuesAsString("field")).containsExactly("layers[0].pieces");
        Reply maxout = call("POST", "/models", json(Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 3, "activation", "maxout",
                "pieces", 2), Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy")), 201);
        assertThat(maxout.json().path("layers").get(0).path("pieces").asInt()).isEqualTo(2);
        call("DELETE", "/models/" + maxout.json().path("id").asString(), null, 204);

        // 400 malformed-json
        Reply malformed = call("POST", "/models", "{\"inputWidth\": 4,", Sent.NONCONFORMING, 400);
        assertThat(malformed.json().path("type").asString()).isEqualTo("/problems/malformed-json");
        assertThat(malformed.json().has("errors")).isFalse();

        // 415: not JSON at all
        call("POST", "/models", "text/plain", "iris", Sent.NONCONFORMING, 415);

        // 409 model-not-trained (continuing from nothing), 400 for rows the model cannot take
        String modelId = call("POST", "/models", json(Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 3, "activation", "softmax")),
                "loss", "cross_entropy")), 201).json().path("id").asString();
        call("POST", "/train", json(Map.of("modelId", modelId, "data", Map.of("features", irisFeatures.subList(0, 4),
                "targets", irisSpecies.subList(0, 4)), "initialization", "continue")), 409);
        call("POST", "/models/" + modelId + "/input-gradients", json(Map.of("instances", List.of(irisFeatures.get(0)), "targets", List.of(0))), 409);
        Reply narrow = call("POST", "/train", json(Map.of("modelId", modelId, "data", Map.of("features", List.of(List.of(5.1, 3.5, 1.4)),
                "targets", List.of(7)))), 400);
        assertThat(narrow.json().path("errors").findValuesAsString("field")).containsExactly("data.features[0]");

        // 422 non-finite-result: a linear output (y = 2x) given inputs near the float32 limit overflows to an infinity
        String linear = call("POST", "/models", json(Map.of("inputWidth", 1, "layers", List.of(Map.of("units", 1, "activation", "linear")),
                "loss", "squared_error", "seed", 1)), 201).json().path("id").asString();
        String fit = json(Map.of("modelId", linear, "data", Map.of("features", List.of(List.of(0), List.of(1), List.of(2), List.of(3)),
                "targets", List.of(0, 2, 4, 6)), "epochs", 50, "batchSize", 4, "optimizer", Map.of("type", "sgd", "learningRate", 0.1)));
        waitFor(call("POST", "/train", fit, 202).json().path("id").asString(), "SUCCEEDED");
        Reply overflow = call("POST", "/models/" + linear + "/predict", json(Map.of("instances", List.of(List.of(1), List.of(3e38), List.of(-3e38)))), 422);
        assertThat(overflow.json().path("type").asString()).isEqualTo("/problems/non-finite-result");
        assertThat(overflow.json().path("errors").findValuesAsString("field")).containsExactly("instances[1]", "instances[2]");
        Reply gradientOverflow = call("POST", "/models/" + linear + "/input-gradients", json(Map.of("instances", List.of(List.of(1), List.of(3e38)),
                "targets", List.of(2, 0))), 422);
        assertThat(gradientOverflow.json().path("errors").findValuesAsString("field")).containsExactly("instances[1]");
        call("DELETE", "/models/" + linear, null, 204);

        // 404 for every operation that takes an id
        String unknown = "c0ffee00-0000-4000-8000-000000000000";
        call("GET", "/models/" + unknown, null, 404);
        call("DELETE", "/models/" + unknown, null, 404);
        call("POST", "/models/" + unknown + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)))), 404);
        call("POST", "/models/" + unknown + "/predict/dry-run", json(Map.of("instances", List.of(irisFeatures.get(0)))), 404);
        call("POST", "/models/" + unknown + "/input-gradients", json(Map.of("instances", List.of(irisFeatures.get(0)), "targets", List.of(0))), 404);
        call("POST", "/train", json(Map.of("modelId", unknown, "data", Map.of("features", irisFeatures.subList(0, 4),
                "targets", irisSpecies.subList(0, 4)))), 404);
        call("GET", "/jobs/" + unknown, null, 404);
        call("POST", "/jobs/" + unknown + "/cancel", null, 404);
        call("GET", "/jobs/" + unknown + "/events", null, 404);

        // 413: a well-formed request over the 64KB limit, streamed (chunked, no Content-Length)
        List<double[]> many = new ArrayList<>();
        List<Integer> manyTargets = new ArrayList<>();
        while (many.size() < 4500) {
            many.addAll(irisFeatures);
            manyTargets.addAll(irisSpecies);
        }
        String big = json(Map.of("modelId", modelId, "data", Map.of("features", many, "targets", manyTargets)));
        assertThat(big.length()).isGreaterThan(64 * 1024);
        Reply tooLarge = send("POST", "/train", "application/json", big, true, Sent.CONFORMING, 413);
        assertThat(tooLarge.json().path("type").asString()).isEqualTo("/problems/payload-too-large");

        call("DELETE", "/models/" + modelId, null, 204);
        flowsPassed++;
    }

    /**
     * A body whose declared Content-Length is over the limit is refused by RequestSizeLimitFilter before it is read.
     * That filter writes the problem with a bare JsonMapper instead of Spring's, so the body carries
     * {@code "properties": null}, which the spec (and every other problem) does not have.
     */
    @Test
    @Order(3)
    void payloadTooLargeWithContentLengthConformsToTheSpec() throws Exception {
        String big = json(Map.of("modelId", "x", "data", Map.of("features", List.of(List.of(1.0)), "targets", List.of(1)),
                "description", "x".repeat(70 * 1024)));
        send("POST", "/train", "application/json", big, false, Sent.NONCONFORMING, 413);
    }

    @Test
    @Order(4)
    void actuatorEndpointsConformToTheSpec() throws Exception {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
            assertThat(call("GET", path, null, 200).json().path("status").asString()).isEqualTo("UP");
        }
        call("GET", "/actuator/info", null, 200);

        // metrics as JSON: the names, one meter, one narrowed by a tag; a malformed tag and an unknown meter
        assertThat(call("GET", "/actuator/metrics", null, 200).json().path("names").valueStream().map(JsonNode::asString))
                .contains("chainrule.jobs", "chainrule.jobs.queue.depth", "chainrule.training.samples",
                        "chainrule.training.throughput", "chainrule.training.epoch.duration", "chainrule.prediction.latency");
        get("/actuator/metrics", Map.of("Accept", "application/json"), Sent.CONFORMING, 200);
        JsonNode throughput = call("GET", "/actuator/metrics/chainrule.training.throughput", null, 200).json();
        assertThat(throughput.path("name").asString()).isEqualTo("chainrule.training.throughput");
        assertThat(throughput.path("measurements").get(0).path("value").asDouble()).isPositive(); // jobs ran above
        JsonNode succeeded = call("GET", "/actuator/metrics/chainrule.jobs?tag=state:SUCCEEDED", null, 200).json();
        assertThat(succeeded.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(2);
        call("GET", "/actuator/metrics/http.server.requests?tag=method:GET&tag=uri:/models/%7Bid%7D", null, 200);
        call("GET", "/actuator/metrics/chainrule.jobs?tag=state", null, Sent.NONCONFORMING, 400);
        call("GET", "/actuator/metrics/no.such.meter", null, 404);

        // Prometheus: its text format by default, OpenMetrics or protobuf when asked for, and only some families
        Reply text = call("GET", "/actuator/prometheus", null, 200);
        assertThat(text.header("Content-Type")).startsWith("text/plain;version=0.0.4");
        assertThat(text.response().body())
                .containsPattern("(?m)^# TYPE chainrule_training_throughput gauge$")
                .containsPattern("(?m)^chainrule_training_throughput [0-9]")
                .containsPattern("(?m)^chainrule_jobs\\{state=\"SUCCEEDED\"} [1-9]")
                .doesNotContain("chainrule_training_throughput_");
        Reply openMetrics = get("/actuator/prometheus", Map.of("Accept", "application/openmetrics-text"), Sent.CONFORMING, 200);
        assertThat(openMetrics.header("Content-Type")).startsWith("application/openmetrics-text;version=1.0.0");
        assertThat(openMetrics.response().body()).containsPattern("(?m)^chainrule_training_throughput [0-9]").endsWith("# EOF\n");
        Reply some = call("GET", "/actuator/prometheus?includedNames=chainrule_jobs,chainrule_training_throughput", null, 200);
        assertThat(some.response().body().lines().filter(line -> !line.startsWith("#")))
                .isNotEmpty().allMatch(line -> line.startsWith("chainrule_jobs{") || line.startsWith("chainrule_training_throughput "));
        get("/actuator/prometheus", Map.of("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"),
                Sent.CONFORMING, 200);
        flowsPassed++;
    }

    /**
     * Datasets: upload iris as a raw body, gzip-compressed and as a multipart form, list and show them, train on one
     * with another as validation rows, refuse deleting one while a job reads it, and every upload error.
     */
    @Test
    @Order(5)
    void datasetsConformToTheSpec() throws Exception {
        String iris = Files.readString(TestDatasets.file("iris/iris.csv"));
        Reply uploaded = call("POST", "/datasets?name=iris", "text/csv", iris, Sent.CONFORMING, 201);
        String irisId = uploaded.json().path("id").asString();
        assertThat(uploaded.header("Location")).isEqualTo(base() + "/datasets/" + irisId);
        assertThat(uploaded.json().path("rows").asLong()).isEqualTo(150);
        assertThat(uploaded.json().path("classCounts").path("2").asLong()).isEqualTo(50);
        java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream gzip = new java.util.zip.GZIPOutputStream(compressed)) {
            gzip.write(iris.getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> gzipped = sendBytes("POST", "/datasets?target=species", "application/octet-stream", compressed.toByteArray(), 201);
        assertThat(JSON.readTree(gzipped.body()).path("columns")).isEqualTo(uploaded.json().path("columns"));
        String boundary = "contract-boundary-7f3a";
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"target\"\r\n\r\nspecies\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"iris.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                + iris + "\r\n--" + boundary + "--\r\n";
        Reply multipart = call("POST", "/datasets", "multipart/form-data; boundary=" + boundary, form, Sent.CONFORMING, 201);
        String validationId = multipart.json().path("id").asString();
        assertThat(multipart.json().path("name").asString()).isEqualTo("iris");

        assertThat(call("GET", "/datasets?page=0&size=10", null, 200).json().path("items").findValuesAsString("id"))
                .contains(irisId, validationId);
        assertThat(call("GET", "/datasets/" + irisId, null, 200).json()).isEqualTo(uploaded.json());

        // train on one, validate on another
        String modelId = call("POST", "/models", json(Map.of("name", "iris", "inputWidth", 4, "layers", List.of(
                Map.of("units", 8, "activation", "relu"), Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy",
                "seed", 42)), 201).json().path("id").asString();
        JsonNode trained = waitFor(call("POST", "/train", json(Map.of("modelId", modelId, "datasetId", irisId,
                "validationDatasetId", validationId, "epochs", 30, "batchSize", 16,
                "optimizer", Map.of("type", "adam", "learningRate", 0.01))), 202).json().path("id").asString(), "SUCCEEDED");
        assertThat(trained.path("finalMetrics").path("accuracy").asDouble()).isGreaterThan(0.9);
        Reply unknownDataset = call("POST", "/train", json(Map.of("modelId", modelId, "datasetId", "c0ffee00-0000-4000-8000-000000000000")), 400);
        assertThat(unknownDataset.json().path("errors").findValuesAsString("field")).containsExactly("datasetId");
        call("POST", "/train", json(Map.of("modelId", modelId, "datasetId", irisId, "data", Map.of("features", List.of(irisFeatures.get(0)),
                "targets", List.of(0)))), Sent.NONCONFORMING, 400);

        // score the dataset with the version as a job, and download its result
        Reply scoring = call("POST", "/models/" + modelId + "/score", json(Map.of("datasetId", irisId, "version", 1)), 202);
        String scoringId = scoring.json().path("id").asString();
        assertThat(scoring.header("Location")).isEqualTo(base() + "/jobs/" + scoringId);
        JsonNode scored = waitFor(scoringId, "SUCCEEDED");
        assertThat(scored.path("kind").asString()).isEqualTo("scoring");
        assertThat(scored.path("scoring").path("rowsScored").asLong()).isEqualTo(150);
        JsonNode result = call("GET", "/jobs/" + scoringId + "/result", null, 200).json();
        assertThat(result.path("metrics").path("confusionMatrix").size()).isEqualTo(3);
        assertThat(new String(sendBytes("GET", "/jobs/" + scoringId + "/result.csv", null, null, 200).body(),
                StandardCharsets.US_ASCII).split("\n")).hasSize(151);
        sendBytes("GET", "/jobs/" + scoringId + "/result.csv?gzip=true", null, null, 200);
        sendBytes("GET", "/jobs/" + scoringId + "/result.f32", null, null, 200);
        call("GET", "/jobs/" + scoringId + "/result.csv?gzip=maybe", null, Sent.NONCONFORMING, 400);
        Reply noScores = call("GET", "/jobs/" + trained.path("id").asString() + "/result", null, 409);
        assertThat(noScores.json().path("type").asString()).isEqualTo("/problems/result-unavailable");
        call("POST", "/models/" + modelId + "/score", json(Map.of("version", 1)), Sent.NONCONFORMING, 400);
        call("POST", "/models/" + modelId + "/score", json(Map.of("datasetId", "c0ffee00-0000-4000-8000-000000000000")), 404);

        // a dataset a running job reads cannot go
        String running = call("POST", "/train", json(Map.of("modelId", modelId, "datasetId", irisId, "epochs", 10000, "batchSize", 1)), 202)
                .json().path("id").asString();
        waitFor(running, "RUNNING");
        Reply inUse = call("DELETE", "/datasets/" + irisId, null, 409);
        assertThat(inUse.json().path("type").asString()).isEqualTo("/problems/dataset-in-use");
        call("POST", "/jobs/" + running + "/cancel", null, 202);
        waitFor(running, "CANCELLED");
        call("DELETE", "/datasets/" + irisId, null, 204);
        call("GET", "/datasets/" + irisId, null, 404);
        call("DELETE", "/datasets/" + irisId, null, 404);

        // upload errors: a bad cell, a missing target, a bad name, too large, not CSV
        Reply badCell = call("POST", "/datasets", "text/csv", "a,b,y\n1,2,0\n3,x,1\n", Sent.CONFORMING, 400);
        assertThat(badCell.json().path("type").asString()).isEqualTo("/problems/invalid-csv");
        assertThat(badCell.json().path("line").asLong()).isEqualTo(3);
        assertThat(badCell.json().path("column").asString()).isEqualTo("b");
        Reply empty = call("POST", "/datasets", "multipart/form-data; boundary=" + boundary, "--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"empty.csv\"\r\n\r\n\r\n--" + boundary + "--\r\n",
                Sent.CONFORMING, 400);
        assertThat(empty.json().path("errors").findValuesAsString("field")).containsExactly("file");
        Reply noTarget = call("POST", "/datasets?target=label", "text/csv", iris, Sent.CONFORMING, 400);
        assertThat(noTarget.json().path("errors").findValuesAsString("field")).containsExactly("target");
        call("POST", "/datasets?name=%20", "text/csv", iris, Sent.CONFORMING, 400);
        call("POST", "/datasets?name=" + "n".repeat(201), "text/csv", iris, Sent.NONCONFORMING, 400);
        Reply tooLarge = send("POST", "/datasets", "text/csv", "a,y\n" + "1,0\n".repeat(20_000), true, Sent.CONFORMING, 413);
        assertThat(tooLarge.json().path("detail").asString()).contains("chainrule.limits.max-dataset-size");
        call("POST", "/datasets", "application/json", "{}", Sent.NONCONFORMING, 415);
        call("GET", "/datasets?size=0", null, Sent.NONCONFORMING, 400);

        call("DELETE", "/datasets/" + validationId, null, 204);
        call("DELETE", "/datasets/" + JSON.readTree(gzipped.body()).path("id").asString(), null, 204);
        call("DELETE", "/models/" + modelId, null, 204);
        flowsPassed++;
    }

    /**
     * Sweeps: a grid on iris followed to its end by polling and as events, a prediction through it, a second sweep
     * cancelled while it runs, deletes, and the errors.
     */
    @Test
    @Order(7)
    void sweepsConformToTheSpec() throws Exception {
        String iris = Files.readString(TestDatasets.file("iris/iris.csv"));
        String irisId = call("POST", "/datasets?name=iris", "text/csv", iris, Sent.CONFORMING, 201).json().path("id").asString();
        Map<String, Object> model = Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 8, "activation", "tanh"),
                Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy", "seed", 3);
        Reply created = call("POST", "/sweeps", json(Map.of("name", "iris grid", "model", model,
                "training", Map.of("datasetId", irisId, "validationSplit", 0.2, "epochs", 3, "batchSize", 16),
                "space", Map.of("units", List.of(4, 8)), "metric", "accuracy")), 201);
        String id = created.json().path("id").asString();
        assertThat(created.header("Location")).isEqualTo(base() + "/sweeps/" + id);
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        JsonNode sweep = call("GET", "/sweeps/" + id, null, 200).json();
        while (!sweep.hasNonNull("finishedAt") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            sweep = call("GET", "/sweeps/" + id, null, 200).json();
        }
        assertThat(sweep.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(call("GET", "/sweeps/" + id + "/events", null, 200).response().body()).contains("event:trial", "event:end");
        assertThat(call("GET", "/sweeps?page=0&size=10", null, 200).json().path("items").findValuesAsString("id")).contains(id);
        Reply predicted = call("POST", "/sweeps/" + id + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)))), 200);
        assertThat(predicted.json().path("modelId").asString()).isEqualTo(sweep.path("best").path("modelId").asString());
        call("POST", "/sweeps/" + id + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)), "version", 1)), 400);

        String longId = call("POST", "/sweeps", json(Map.of("model", model, "training", Map.of("datasetId", irisId,
                "validationSplit", 0.2, "epochs", 10000, "batchSize", 1), "space", Map.of("l2", List.of(0.0, 0.01)))), 201)
                .json().path("id").asString();
        assertThat(call("DELETE", "/sweeps/" + longId, null, 409).json().path("type").asString()).isEqualTo("/problems/sweep-active");
        call("POST", "/sweeps/" + longId + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)))), 409);
        assertThat(call("POST", "/sweeps/" + longId + "/cancel", null, 202).json().path("state").asString()).isEqualTo("CANCELLED");
        JsonNode cancelled = call("GET", "/sweeps/" + longId, null, 200).json();
        while (!cancelled.hasNonNull("finishedAt") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            cancelled = call("GET", "/sweeps/" + longId, null, 200).json();
        }
        call("DELETE", "/sweeps/" + longId, null, 204);
        call("DELETE", "/sweeps/" + id, null, 204);
        call("GET", "/sweeps/" + id, null, 404);
        call("POST", "/sweeps/" + id + "/cancel", null, 404);
        call("GET", "/sweeps/" + id + "/events", null, 404);
        call("POST", "/sweeps", json(Map.of("model", model, "space", Map.of())), Sent.NONCONFORMING, 400);
        call("GET", "/sweeps?size=0", null, Sent.NONCONFORMING, 400);
        call("DELETE", "/datasets/" + irisId, null, 204);
        flowsPassed++;
    }

    /** The Open Inference Protocol's routes, with and without a version, and their errors in the protocol's shape. */
    @Test
    @Order(6)
    void openInferenceProtocolConformsToTheSpec() throws Exception {
        assertThat(call("GET", "/v2/health/live", null, 200).json().path("live").asBoolean()).isTrue();
        assertThat(call("GET", "/v2/health/ready", null, 200).json().path("ready").asBoolean()).isTrue();
        assertThat(call("GET", "/v2", null, 200).json()).isEqualTo(call("GET", "/v2/", null, 200).json());

        String modelId = call("POST", "/models", json(Map.of("name", "oip-contract", "inputWidth", 4, "layers",
                List.of(Map.of("units", 8, "activation", "relu"), Map.of("units", 3, "activation", "softmax")),
                "loss", "cross_entropy", "seed", 42)), 201).json().path("id").asString();
        String base = "/v2/models/" + modelId;
        String flower = json(Map.of("id", "contract-1", "inputs", List.of(Map.of("name", "input", "shape", List.of(1, 4),
                "datatype", "FP32", "data", irisFeatures.get(0)))));
        assertThat(call("GET", base + "/ready", null, 200).json().path("ready").asBoolean()).isFalse();
        assertThat(call("POST", base + "/infer", flower, 400).json().path("error").asString()).contains("no trained version");
        call("GET", base + "/versions/1/ready", null, 404);

        waitFor(call("POST", "/train", json(Map.of("modelId", modelId, "data", Map.of("features", irisFeatures, "targets", irisSpecies),
                "epochs", 10, "optimizer", Map.of("type", "adam", "learningRate", 0.01))), 202).json().path("id").asString(), "SUCCEEDED");
        for (String model : List.of(base, "/v2/models/oip-contract")) {
            assertThat(call("GET", model, null, 200).json().path("versions").size()).isEqualTo(1);
            assertThat(call("GET", model + "/versions/1", null, 200).json().path("outputs").size()).isEqualTo(2);
            assertThat(call("GET", model + "/ready", null, 200).json().path("ready").asBoolean()).isTrue();
            assertThat(call("GET", model + "/versions/1/ready", null, 200).json().path("ready").asBoolean()).isTrue();
            Reply inferred = call("POST", model + "/infer", flower, 200);
            assertThat(inferred.json().path("id").asString()).isEqualTo("contract-1");
            Reply versioned = call("POST", model + "/versions/1/infer", flower, 200);
            assertThat(versioned.json().path("outputs")).isEqualTo(inferred.json().path("outputs"));
        }
        Reply predicted = call("POST", "/models/" + modelId + "/predict", json(Map.of("instances", List.of(irisFeatures.get(0)))), 200);
        assertThat(call("POST", base + "/infer", flower, 200).json().path("outputs").get(0).path("data"))
                .isEqualTo(predicted.json().path("predictions").get(0).path("outputs"));

        // errors: the protocol's {"error"}, 400 and 404
        call("POST", base + "/infer", json(Map.of("inputs", List.of(Map.of("name", "input", "shape", List.of(1, 4),
                "datatype", "BOOL", "data", List.of(true, true, false, false))))), 400);
        call("POST", base + "/infer", "{\"inputs\": [", Sent.NONCONFORMING, 400);
        call("POST", base + "/versions/7/infer", flower, 404);
        call("GET", base + "/versions/7", null, 404);
        call("GET", "/v2/models/no-such-model", null, 404);
        call("GET", "/v2/models/no-such-model/ready", null, 404);
        call("GET", "/v2/models/no-such-model/versions/1/ready", null, 404);
        call("POST", "/v2/models/no-such-model/infer", flower, 404);
        String twin = call("POST", "/models", json(Map.of("name", "oip-contract", "inputWidth", 4, "layers",
                List.of(Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy")), 201).json().path("id").asString();
        call("GET", "/v2/models/oip-contract", null, 400);
        call("GET", "/v2/models/oip-contract/ready", null, 400);
        call("GET", "/v2/models/oip-contract/versions/1", null, 400);
        call("GET", "/v2/models/oip-contract/versions/1/ready", null, 400);
        call("POST", "/v2/models/oip-contract/versions/1/infer", flower, 400);
        call("DELETE", "/models/" + twin, null, 204);
        call("DELETE", "/models/" + modelId, null, 204);
        flowsPassed++;
    }

    @Test
    @Order(100)
    void everyOperationInTheSpecWasExercised() {
        assumeTrue(flowsPassed == 6, "the flows above did not all pass, so coverage says nothing");
        Set<String> missing = new TreeSet<>(contract.operations());
        missing.removeAll(contract.exercised());
        assertThat(missing).as("operations in openapi.yaml that no test exercised").isEmpty();
    }

    @Test
    void everyControllerMappingIsInTheSpec() {
        Set<String> inSpec = new TreeSet<>();
        contract.operations().forEach(op -> inSpec.add(normalise(op)));
        Set<String> mapped = new TreeSet<>();
        for (RequestMappingHandlerMapping mapping : context.getBeansOfType(RequestMappingHandlerMapping.class).values()) {
            for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
                if (!entry.getValue().getBeanType().getPackageName().startsWith("dev.chainrule")
                        || org.springframework.boot.webmvc.error.ErrorController.class.isAssignableFrom(entry.getValue().getBeanType())) {
                    continue; // Spring's routes, and the container's error page (ours, not an API operation)
                }
                RequestMappingInfo info = entry.getKey();
                Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                assertThat(methods).as("methods of " + info).isNotEmpty();
                for (String pattern : info.getPatternValues()) {
                    methods.forEach(method -> mapped.add(normalise(method.name() + " " + pattern)));
                }
            }
        }
        assertThat(mapped).as("controller mappings").isNotEmpty();
        Set<String> missing = new TreeSet<>(mapped);
        missing.removeAll(inSpec);
        assertThat(missing).as("controller mappings missing from openapi.yaml").isEmpty();
    }

    @Test
    void everyExposedActuatorEndpointIsInTheSpec() throws Exception {
        HttpResponse<String> links = http().exchange(HttpRequest.newBuilder(URI.create(base() + "/actuator")).GET(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(links.statusCode()).isEqualTo(200);
        Set<String> paths = new TreeSet<>();
        JSON.readTree(links.body()).path("_links").forEachEntry((name, link) -> {
            if (!name.equals("self") && !link.path("templated").asBoolean(false)) {
                paths.add("GET " + URI.create(link.path("href").asString()).getPath());
            }
        });
        assertThat(paths).isNotEmpty();
        assertThat(contract.operations()).as("exposed actuator endpoints must be described in openapi.yaml").containsAll(paths);
    }

    @Test
    void everyExampleMatchesItsSchema() {
        List<String> problems = contract.checkExamples();
        assertThat(problems).as("examples in openapi.yaml that break their own schemas").isEmpty();
    }

    @Test
    void theAppServesTheSpecByteForByte() throws Exception {
        HttpResponse<byte[]> served = http().exchange(HttpRequest.newBuilder(URI.create(base() + "/openapi.yaml")).GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type").orElse("")).startsWith("application/yaml");
        assertThat(served.body()).isEqualTo(Files.readAllBytes(SPEC));
    }

    @Test
    void swaggerUiShowsTheSpec() throws Exception {
        HttpResponse<String> page = http().exchange(HttpRequest.newBuilder(URI.create(base() + "/swagger-ui.html")).GET(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("SwaggerUIBundle", "url: \"openapi.yaml\"");
        for (String asset : List.of("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")) {
            HttpResponse<Void> served = http().exchange(HttpRequest.newBuilder(URI.create(base() + "/webjars/swagger-ui/" + asset)).GET(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(served.statusCode()).as(asset).isEqualTo(200);
        }
    }

    /**
     * The service with API keys, in the context every keyed-mode test shares ({@link KeyedService}): every operation
     * of the spec is sent without a key, with a key that is not one, with a READ and with an ADMIN key, and each answer
     * checked against the spec. So the documented 401s and 403s are real answers, every operation but the open health
     * probes documents its 401, and the operations that document 403 are exactly those a READ key may not do.
     */
    @Nested
    @NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
    @KeyedService
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithApiKeys {
        /** Stands for every {id} of the spec's paths: no model or job has it. */
        private static final String UNKNOWN_ID = "c0ffee00-0000-4000-8000-000000000000";

        @Value("${local.server.port}")
        int keyedPort;

        @Test
        void withoutAValidKeyEveryOperationButTheHealthProbesIs401() throws Exception {
            for (String operation : contract.operations()) {
                if (isOpen(operation)) {
                    JsonNode probe = keyed(operation, null, 200).json();
                    assertThat(operation.contains("/v2/") ? probe.path("live").asBoolean() : probe.path("status").asString().equals("UP"))
                            .as(operation).isTrue();
                    continue;
                }
                assertThat(responses(operation).has("401")).as(operation + " needs a key, so it must document 401").isTrue();
                Reply none = keyed(operation, null, 401);
                assertThat(none.header("WWW-Authenticate")).as(operation).isEqualTo("Bearer realm=\"chainrule\"");
                assertThat(none.json().path("type").asString()).isEqualTo("/problems/unauthorized");
                Reply wrong = keyed(operation, READ_KEY + "x", 401);
                assertThat(wrong.header("WWW-Authenticate")).as(operation).isEqualTo("Bearer realm=\"chainrule\", error=\"invalid_token\"");
            }
        }

        @Test
        void aReadKeyIsForbiddenExactlyWhereTheSpecDocuments403() throws Exception {
            for (String operation : contract.operations()) {
                if (isOpen(operation)) {
                    continue;
                }
                if (responses(operation).has("403")) {
                    assertThat(keyed(operation, READ_KEY, 403).json().path("type").asString()).isEqualTo("/problems/forbidden");
                } else {
                    // past the key check: the unknown id is not found, everything else answers
                    keyed(operation, READ_KEY, operation.contains("{id}") || operation.contains("{name}") ? 404 : 200);
                }
            }
        }

        @Test
        void anAdminKeyMayDoWhatAReadKeyMayNot() throws Exception {
            for (String operation : contract.operations()) {
                if (isOpen(operation) || !responses(operation).has("403")) {
                    continue;
                }
                // the examples name no model or job that exists, except that defining a model needs none
                int expected = switch (operation) {
                    case "POST /models", "POST /datasets" -> 201;
                    case "POST /models/import" -> 400; // the body sent is no model file
                    case "POST /sweeps" -> 400; // the example's dataset does not exist here
                    default -> 404;
                };
                Reply reply = keyed(operation, ADMIN_KEY, expected);
                if (reply.status() == 201) {
                    String collection = operation.substring(operation.indexOf(' ') + 1);
                    send(keyedBase(), Map.of("Authorization", "Bearer " + ADMIN_KEY), "DELETE",
                            collection + "/" + reply.json().path("id").asString(), null, null, false, Sent.CONFORMING, 204);
                }
            }
        }

        /**
         * Sends the operation ("POST /models/{id}/predict") to the keyed service with this key (none when null): every
         * {id} an unknown id, a meter's name the throughput gauge's, and the body (if it takes one) its first example.
         */
        private Reply keyed(String operation, String key, int expectedStatus) throws Exception {
            String method = operation.substring(0, operation.indexOf(' '));
            String template = operation.substring(operation.indexOf(' ') + 1);
            String path = template.replace("{id}", UNKNOWN_ID).replace("{name}", UNKNOWN_ID).replace("{version}", "1").replace("{alias}", "production")
                    .replace("{requiredMetricName}", "chainrule.training.throughput");
            assertThat(path).as(operation + ": a path parameter with no value to send").doesNotContain("{");
            OpenApiContract.Located examples = contract.resolve(operation(operation).at("requestBody"))
                    .at("content", "application/json", "examples");
            String body = null;
            if (!examples.isMissing()) {
                String first = examples.node().propertyNames().iterator().next();
                body = json(contract.resolve(examples.at(first)).node().path("value"));
            }
            String contentType = body == null ? null : "application/json";
            OpenApiContract.Located csvExamples = contract.resolve(operation(operation).at("requestBody")).at("content", "text/csv", "examples");
            if (!csvExamples.isMissing()) {
                String first = csvExamples.node().propertyNames().iterator().next();
                body = contract.resolve(csvExamples.at(first)).node().path("value").asString();
                contentType = "text/csv";
            } else if (!contract.resolve(operation(operation).at("requestBody")).at("content", "application/octet-stream").isMissing()) {
                body = "not a model file";
                contentType = "application/octet-stream";
            }
            Map<String, String> headers = key == null ? Map.of() : Map.of("Authorization", "Bearer " + key);
            return send(keyedBase(), headers, method, path, contentType, body, false, Sent.CONFORMING, expectedStatus);
        }

        private String keyedBase() {
            return "http://localhost:" + keyedPort;
        }
    }

    /** The operation's node in the spec, from "GET /models/{id}". */
    private OpenApiContract.Located operation(String operation) {
        String method = operation.substring(0, operation.indexOf(' ')).toLowerCase(Locale.ROOT);
        String template = operation.substring(operation.indexOf(' ') + 1);
        return new OpenApiContract.Located(contract.spec(), "").at("paths", template, method);
    }

    private JsonNode responses(String operation) {
        return operation(operation).node().path("responses");
    }

    /** Declares {@code security: []}: no key needed even when keys are configured. */
    private boolean isOpen(String operation) {
        JsonNode security = operation(operation).node().path("security");
        return security.isArray() && security.isEmpty();
    }

    // ------------------------------------------------------------------------------------------------------------

    /** The one test client; the requests below are built with absolute URIs, to this service or the keyed one. */
    private TestHttp http() {
        return TestHttp.at(port);
    }

    private Reply call(String method, String pathAndQuery, String body, int expectedStatus) throws Exception {
        return call(method, pathAndQuery, body, Sent.CONFORMING, expectedStatus);
    }

    private Reply call(String method, String pathAndQuery, String body, Sent sent, int expectedStatus) throws Exception {
        return send(method, pathAndQuery, body == null ? null : "application/json", body, false, sent, expectedStatus);
    }

    private Reply call(String method, String pathAndQuery, String contentType, String body, Sent sent, int expectedStatus)
            throws Exception {
        return send(method, pathAndQuery, contentType, body, false, sent, expectedStatus);
    }

    /**
     * Sends the request, then checks it and its response against the spec: the request must conform (or, for a
     * deliberately invalid one, the spec must reject it too), the response must always conform, and have the
     * expected status.
     */
    private Reply send(String method, String pathAndQuery, String contentType, String body, boolean chunked, Sent sent,
                       int expectedStatus) throws Exception {
        return send(base(), Map.of(), method, pathAndQuery, contentType, body, chunked, sent, expectedStatus);
    }

    /** A GET to this service with these request headers (Accept, Authorization). */
    private Reply get(String pathAndQuery, Map<String, String> headers, Sent sent, int expectedStatus) throws Exception {
        return send(base(), headers, "GET", pathAndQuery, null, null, false, sent, expectedStatus);
    }

    /** {@link #send(String, String, String, String, boolean, Sent, int)} to the service at {@code base}, with headers. */
    private Reply send(String base, Map<String, String> headers, String method, String pathAndQuery, String contentType,
                       String body, boolean chunked, Sent sent, int expectedStatus) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))
                : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofMinutes(1))
                .method(method, publisher);
        headers.forEach(request::header);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = http().exchange(request, HttpResponse.BodyHandlers.ofString());
        URI uri = URI.create(pathAndQuery);
        OpenApiContract.Exchange exchange = new OpenApiContract.Exchange(method, uri.getRawPath(), uri.getRawQuery(),
                contentType, body, response.statusCode(), response.headers().map(), response.body());
        List<String> requestProblems = contract.checkRequest(exchange);
        List<String> responseProblems = contract.checkResponse(exchange);
        String what = method + " " + pathAndQuery + " -> " + response.statusCode();
        if (sent == Sent.CONFORMING && !requestProblems.isEmpty()) {
            fail(what + ": the request breaks openapi.yaml:\n  " + String.join("\n  ", requestProblems));
        }
        if (sent == Sent.NONCONFORMING && requestProblems.isEmpty()) {
            fail(what + ": this request is meant to be invalid, but openapi.yaml accepts it (a rule is missing from the spec)");
        }
        if (!responseProblems.isEmpty()) {
            fail(what + ": the response breaks openapi.yaml:\n  " + String.join("\n  ", responseProblems)
                    + "\nbody: " + abbreviate(response.body()));
        }
        assertThat(response.statusCode()).as(what + " " + abbreviate(response.body())).isEqualTo(expectedStatus);
        String type = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = type.contains("json") && !response.body().isEmpty() ? JSON.readTree(response.body()) : null;
        return new Reply(response.statusCode(), response, json);
    }

    /**
     * A request or response with a binary body (a model file), checked against the spec like the others: its
     * media type and status, the JSON of a problem or a created model.
     */
    private HttpResponse<byte[]> sendBytes(String method, String pathAndQuery, String contentType, byte[] body,
                                           int expectedStatus) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(Duration.ofMinutes(1))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = http().exchange(request, HttpResponse.BodyHandlers.ofByteArray());
        String responseType = response.headers().firstValue("Content-Type").orElse("");
        String text = responseType.contains("json") ? new String(response.body(), StandardCharsets.UTF_8) : null;
        URI uri = URI.create(pathAndQuery);
        OpenApiContract.Exchange exchange = new OpenApiContract.Exchange(method, uri.getRawPath(), uri.getRawQuery(),
                contentType, body == null ? null : "(" + body.length + " bytes)", response.statusCode(), response.headers().map(), text);
        List<String> problems = new ArrayList<>(contract.checkRequest(exchange));
        problems.addAll(contract.checkResponse(exchange));
        String what = method + " " + pathAndQuery + " -> " + response.statusCode();
        if (!problems.isEmpty()) {
            fail(what + " breaks openapi.yaml:\n  " + String.join("\n  ", problems) + "\nbody: " + abbreviate(text));
        }
        assertThat(response.statusCode()).as(what + " " + abbreviate(text)).isEqualTo(expectedStatus);
        return response;
    }

    /** Polls GET /jobs/{id} (each answer checked against the spec) until the job is in this state. */
    private JsonNode waitFor(String jobId, String status) throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        Predicate<String> finishedOtherwise = s -> !s.equals(status) && Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(s);
        while (true) {
            JsonNode job = call("GET", "/jobs/" + jobId, null, 200).json();
            String now = job.path("status").asString();
            if (now.equals(status)) {
                return job;
            }
            if (finishedOtherwise.test(now)) {
                fail("job " + jobId + " ended " + now + " instead of reaching " + status + ": " + job);
            }
            if (System.nanoTime() > deadline) {
                fail("job " + jobId + " did not reach " + status + " within " + JOB_TIMEOUT + ": " + job);
            }
            Thread.sleep(50);
        }
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private static List<List<Integer>> oneHot(List<Integer> classes) {
        return classes.stream().map(c -> List.of(c == 0 ? 1 : 0, c == 1 ? 1 : 0, c == 2 ? 1 : 0)).toList();
    }

    private static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private static String abbreviate(String body) {
        return body == null || body.length() <= 2000 ? String.valueOf(body) : body.substring(0, 2000) + "...";
    }

    /** "GET /models/{id}" with every path variable named {_}, so names need not agree. */
    private static String normalise(String operation) {
        return operation.replaceAll("\\{[^}]*}", "{_}");
    }
}
