package dev.chainrule.api;

import static dev.chainrule.api.OpenInferenceProtocolSchemas.assertValid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * The Open Inference Protocol v2 routes over real HTTP: every route with and without /versions/{v}, each real
 * response checked against the protocol's JSON Schemas (test resources), the rows of real datasets through /infer and
 * /predict with the same answers, and every refusal in the protocol's {"error": ...} shape with 400 or 404.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenInferenceProtocolApiTest extends ApiTestSupport {

    /** A successful response: 200, JSON, valid as the protocol's object. */
    private JsonNode ok(Reply response, String object) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertValid(object, response.json());
        return response.json();
    }

    /** A refusal: the status, a JSON {"error": ...} (not a problem) whose message contains {@code says}. */
    private String error(Reply response, int status, String object, String says) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        assertValid(object, response.json());
        assertThat(response.json().properties()).hasSize(1);
        String message = response.json().get("error").asString();
        assertThat(message).contains(says);
        return message;
    }

    private Reply infer(String path, Object request) {
        if (!(request instanceof String)) {
            assertValid("inference_request", JSON.valueToTree(request));
        }
        return post(path, request);
    }

    private static Map<String, Object> tensor(String datatype, List<Integer> shape, Object data) {
        return obj("name", "input", "shape", shape, "datatype", datatype, "data", data);
    }

    private static float[] flat(double[][] rows) {
        float[] values = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                values[r * rows[r].length + c] = (float) rows[r][c];
            }
        }
        return values;
    }

    /** The transcribed schemas do refuse: what they pass above means something. */
    @Test
    void theSchemasRefuseWhatTheProtocolRefuses() {
        assertThat(OpenInferenceProtocolSchemas.errors("inference_response", JSON.readTree("{\"model_name\": \"m\"}"))).isNotEmpty();
        assertThat(OpenInferenceProtocolSchemas.errors("inference_response", JSON.readTree(
                "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"o\", \"shape\": [1], \"datatype\": \"FLOAT\", \"data\": [1]}]}")))
                .isNotEmpty();
        assertThat(OpenInferenceProtocolSchemas.errors("metadata_model_response", JSON.readTree("{\"name\": \"m\"}"))).isNotEmpty();
        assertThat(OpenInferenceProtocolSchemas.errors("inference_error_response", JSON.readTree("{\"detail\": \"x\"}"))).isNotEmpty();
        assertThat(OpenInferenceProtocolSchemas.errors("ready_model_response", JSON.readTree("{\"name\": \"m\", \"ready\": \"yes\"}")))
                .isNotEmpty();
        assertThat(OpenInferenceProtocolSchemas.errors("inference_request", JSON.readTree(
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [[1, {}]]}]}")))
                .isNotEmpty();
    }

    @Test
    void serverRoutes() {
        assertThat(ok(get("/v2/health/live"), "live_server_response").get("live").asBoolean()).isTrue();
        JsonNode ready = ok(get("/v2/health/ready"), "ready_server_response");
        assertThat(ready.get("ready").asBoolean()).isTrue();
        JsonNode server = ok(get("/v2"), "metadata_server_response");
        assertThat(server.get("name").asString()).isEqualTo("chainrule");
        assertThat(server.get("extensions")).isEmpty();
        assertThat(ok(get("/v2/"), "metadata_server_response")).isEqualTo(server);
    }

    @Test
    void irisThroughEveryModelRoute() {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String id = createModel(obj("name", "oip-iris", "inputWidth", 4, "layers", List.of(layer(8, "relu"), layer(3, "softmax")),
                "loss", "cross_entropy", "seed", 5)).get("id").asString();
        String base = "/v2/models/" + id;

        // before training: metadata and a model that is not ready; inference refused with the protocol's error
        JsonNode untrained = ok(get(base), "metadata_model_response");
        assertThat(untrained.get("versions")).isEmpty();
        JsonNode notReady = ok(get(base + "/ready"), "ready_model_response");
        assertThat(notReady.get("ready").asBoolean()).isFalse();
        Map<String, Object> oneRow = obj("inputs", List.of(tensor("FP32", List.of(1, 4), List.of(5.1, 3.5, 1.4, 0.2))));
        error(infer(base + "/infer", oneRow), 400, "inference_error_response", "no trained version");
        error(get(base + "/versions/1"), 404, "metadata_model_error_response", "has no version 1");
        error(get(base + "/versions/1/ready"), 404, "error_response", "has no version 1");
        error(infer(base + "/versions/1/infer", oneRow), 404, "inference_error_response", "has no version 1");

        String job = train(obj("modelId", id, "data", data(iris.features(), iris.labels()), "epochs", 20, "batchSize", 16,
                "shuffleSeed", 3, "optimizer", obj("type", "adam", "learningRate", 0.02))).get("id").asString();
        assertThat(status(awaitEnd(job, Duration.ofMinutes(2)))).isEqualTo("SUCCEEDED");

        // metadata, with and without the version, by id and by the (unique) name
        for (String path : List.of(base, base + "/versions/1", "/v2/models/oip-iris", "/v2/models/oip-iris/versions/1")) {
            JsonNode metadata = ok(get(path), "metadata_model_response");
            assertThat(metadata.get("versions").toString()).isEqualTo("[\"1\"]");
            assertThat(metadata.get("platform").asString()).isEqualTo("chainrule_native");
            assertThat(metadata.get("inputs").toString())
                    .isEqualTo("[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
            assertThat(metadata.get("outputs").toString()).isEqualTo("[{\"name\":\"output\",\"datatype\":\"FP32\",\"shape\":[-1,3]},"
                    + "{\"name\":\"class_index\",\"datatype\":\"INT64\",\"shape\":[-1]}]");
            assertThat(ok(get(path + "/ready"), "ready_model_response").get("ready").asBoolean()).isTrue();
        }
        assertThat(ok(get("/v2/models/oip-iris"), "metadata_model_response").get("name").asString()).isEqualTo("oip-iris");

        // a version named by an alias, as everywhere else: ready and inferring as version 1; an unknown one is a 404
        assertThat(put("/models/" + id + "/aliases/production", obj("version", 1)).status()).isEqualTo(201);
        assertThat(ok(get(base + "/versions/production/ready"), "ready_model_response").get("ready").asBoolean()).isTrue();
        JsonNode throughAlias = ok(infer(base + "/versions/production/infer", oneRow), "inference_response");
        assertThat(throughAlias.get("model_version").asString()).isEqualTo("1");
        assertThat(throughAlias.get("outputs")).isEqualTo(ok(infer(base + "/versions/1/infer", oneRow), "inference_response").get("outputs"));
        error(get(base + "/versions/staging/ready"), 404, "error_response", "no alias of that name");
        assertThat(delete("/models/" + id + "/aliases/production").status()).isEqualTo(204);

        // every row through /infer (flat data) and /predict: the same outputs and classes
        JsonNode predictions = post("/models/" + id + "/predict", obj("instances", iris.features())).json().get("predictions");
        float[] rows = flat(iris.features());
        JsonNode answer = ok(infer(base + "/infer", obj("id", "iris-all", "inputs",
                List.of(tensor("FP32", List.of(150, 4), rows)))), "inference_response");
        assertThat(answer.get("id").asString()).isEqualTo("iris-all");
        assertThat(answer.get("model_name").asString()).isEqualTo(id);
        assertThat(answer.get("model_version").asString()).isEqualTo("1");
        JsonNode output = answer.get("outputs").get(0);
        assertThat(output.get("name").asString()).isEqualTo("output");
        assertThat(output.get("datatype").asString()).isEqualTo("FP32");
        assertThat(output.get("shape").toString()).isEqualTo("[150,3]");
        JsonNode classes = answer.get("outputs").get(1);
        assertThat(classes.get("name").asString()).isEqualTo("class_index");
        assertThat(classes.get("datatype").asString()).isEqualTo("INT64");
        assertThat(classes.get("shape").toString()).isEqualTo("[150]");
        for (int r = 0; r < 150; r++) {
            for (int k = 0; k < 3; k++) {
                assertThat(output.get("data").get(r * 3 + k).asDouble()).as("row %d output %d", r, k)
                        .isEqualTo(predictions.get(r).get("outputs").get(k).asDouble());
            }
            assertThat(classes.get("data").get(r).asInt()).isEqualTo(predictions.get(r).get("classIndex").asInt());
        }

        // nested data, the version in the path, by name, and only the class index asked for
        List<double[]> three = List.of(iris.features()[0], iris.features()[60], iris.features()[120]);
        JsonNode nested = ok(infer("/v2/models/oip-iris/versions/1/infer", obj("inputs", List.of(tensor("FP32", List.of(3, 4), three)),
                "outputs", List.of(obj("name", "class_index")))), "inference_response");
        assertThat(nested.has("id")).isFalse();
        assertThat(nested.get("model_name").asString()).isEqualTo("oip-iris");
        assertThat(nested.get("outputs")).hasSize(1);
        assertThat(nested.get("outputs").get(0).get("data").toString()).isEqualTo("[" + predictions.get(0).get("classIndex").asInt()
                + "," + predictions.get(60).get("classIndex").asInt() + "," + predictions.get(120).get("classIndex").asInt() + "]");

        // FP64 and integer inputs are converted to float32, as /predict reads numbers
        List<List<Integer>> integers = List.of(List.of(5, 3, 1, 0), List.of(7, 3, 5, 2));
        JsonNode asPredicted = post("/models/" + id + "/predict", obj("instances", integers)).json().get("predictions");
        for (String datatype : List.of("FP64", "INT64", "INT8", "UINT16")) {
            JsonNode converted = ok(infer(base + "/infer", obj("inputs", List.of(tensor(datatype, List.of(2, 4), integers)),
                    "outputs", List.of(obj("name", "output")))), "inference_response");
            assertThat(converted.get("outputs").get(0).get("data").get(4).asDouble()).as(datatype)
                    .isEqualTo(asPredicted.get(1).get("outputs").get(1).asDouble());
        }

        // refusals: the protocol's error, 400 or 404, never a problem or a 500
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(1, 3), List.of(5.1, 3.5, 1.4))))), 400,
                "inference_error_response", "must be [rows, 4]");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(2, 4), List.of(5.1, 3.5, 1.4, 0.2))))), 400,
                "inference_error_response", "has 4 values; shape 2 x 4 needs 8");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(2, 4), List.of(List.of(5.1, 3.5, 1.4, 0.2),
                List.of(1, 2, 3)))))), 400, "inference_error_response", "inputs[0].data[1] has 3 elements");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("BOOL", List.of(1, 4), List.of(true, false, true, true))))), 400,
                "inference_error_response", "datatype BOOL is not supported");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP16", List.of(1, 4), List.of(1, 2, 3, 4))))), 400,
                "inference_error_response", "datatype FP16 is not supported");
        error(post(base + "/infer", obj("inputs", List.of(tensor("FLOAT", List.of(1, 4), List.of(1, 2, 3, 4))))), 400,
                "inference_error_response", "'FLOAT' is not a tensor data type");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("INT32", List.of(1, 4), List.of(5.1, 3.5, 1.4, 0.2))))), 400,
                "inference_error_response", "inputs[0].data[0] must be an integer for datatype INT32");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("UINT8", List.of(1, 4), List.of(5, 3, 1, -1))))), 400,
                "inference_error_response", "inputs[0].data[3] is out of the range of UINT8");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(1, 4), List.of("5.1", 3.5, 1.4, 0.2))))), 400,
                "inference_error_response", "inputs[0].data[0] must be a number");
        error(post(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(1, 4), List.of(1e39, 3.5, 1.4, 0.2))))), 400,
                "inference_error_response", "beyond the float32 range");
        error(infer(base + "/infer", obj("inputs", List.of(obj("name", "x", "shape", List.of(1, 4), "datatype", "FP32",
                "data", List.of(1, 2, 3, 4))))), 400, "inference_error_response", "inputs[0].name must be 'input'");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(1, 4), List.of(1, 2, 3, 4))),
                "outputs", List.of(obj("name", "probabilities")))), 400, "inference_error_response", "it has output, class_index");
        error(post(base + "/infer", "{\"inputs\": [}"), 400, "inference_error_response", "the body is not JSON");
        error(post(base + "/infer", "{}"), 400, "inference_error_response", "inputs must be an array of one tensor");
        error(infer(base + "/infer", obj("inputs", List.of(tensor("FP32", List.of(10001, 4), List.of(1, 2, 3, 4))))), 400,
                "inference_error_response", "chainrule.limits.max-predict-rows");
        error(infer(base + "/versions/2/infer", oneRow), 404, "inference_error_response", "has no version 2 (versions are 1..1)");
        error(infer(base + "/versions/v1/infer", oneRow), 404, "inference_error_response", "has no version 'v1'");
        error(get(base + "/versions/0"), 404, "metadata_model_error_response", "has no version '0'");
        error(infer("/v2/models/no-such-model/infer", oneRow), 404, "inference_error_response", "no model has the id or the name 'no-such-model'");
        error(get("/v2/models/no-such-model"), 404, "metadata_model_error_response", "no-such-model");
        error(get("/v2/models/no-such-model/ready"), 404, "error_response", "no-such-model");

        // a name two models share is refused, naming both ids
        String twin = createModel(obj("name", "oip-iris", "inputWidth", 4, "layers", List.of(layer(3, "softmax")),
                "loss", "cross_entropy")).get("id").asString();
        String shared = error(infer("/v2/models/oip-iris/infer", oneRow), 400, "inference_error_response", "2 models are named 'oip-iris'");
        assertThat(shared).contains(id, twin);
        ok(infer("/v2/models/" + id + "/infer", oneRow), "inference_response");
        delete("/models/" + twin);
        delete("/models/" + id);
    }

    /** A binary classifier's class is 1 at an output of at least 0.5; a regression has only its outputs. */
    @Test
    void binaryAndRegressionOutputs() {
        TestData.Table cancer = TestData.load("breast_cancer/breast_cancer.csv");
        String binary = createModel(30, "log_loss", 2, layer(8, "tanh"), layer(1, "logistic")).get("id").asString();
        TestData.Table concrete = TestData.load("concrete/concrete.csv");
        String regression = createModel(8, "squared_error", 2, layer(8, "relu"), layer(1, "linear")).get("id").asString();
        for (String[] job : List.of(new String[] {binary, "cancer"}, new String[] {regression, "concrete"})) {
            TestData.Table table = job[1].equals("cancer") ? cancer : concrete;
            Object targets = job[1].equals("cancer") ? table.labels() : table.targets();
            String jobId = train(obj("modelId", job[0], "data", data(table.features(), targets), "epochs", 5)).get("id").asString();
            assertThat(status(awaitEnd(jobId, Duration.ofMinutes(2)))).isEqualTo("SUCCEEDED");
        }
        double[][] rows = Arrays.copyOf(cancer.features(), 100);
        JsonNode predictions = post("/models/" + binary + "/predict", obj("instances", rows)).json().get("predictions");
        JsonNode answer = ok(infer("/v2/models/" + binary + "/infer", obj("inputs", List.of(tensor("FP64", List.of(100, 30), rows)))),
                "inference_response");
        JsonNode outputs = answer.get("outputs").get(0).get("data");
        JsonNode classes = answer.get("outputs").get(1).get("data");
        List<Integer> labels = new ArrayList<>();
        for (int r = 0; r < 100; r++) {
            assertThat(outputs.get(r).asDouble()).isEqualTo(predictions.get(r).get("probability").asDouble());
            assertThat(classes.get(r).asInt()).isEqualTo(predictions.get(r).get("decision").asInt());
            labels.add(classes.get(r).asInt());
        }
        assertThat(labels).contains(0, 1);

        JsonNode metadata = ok(get("/v2/models/" + regression), "metadata_model_response");
        assertThat(metadata.get("outputs")).hasSize(1);
        double[][] mixes = Arrays.copyOf(concrete.features(), 50);
        JsonNode strengths = post("/models/" + regression + "/predict", obj("instances", mixes)).json().get("predictions");
        JsonNode inferred = ok(infer("/v2/models/" + regression + "/versions/1/infer", obj("inputs",
                List.of(tensor("FP32", List.of(50, 8), mixes)))), "inference_response");
        assertThat(inferred.get("outputs")).hasSize(1);
        for (int r = 0; r < 50; r++) {
            assertThat(inferred.get("outputs").get(0).get("data").get(r).asDouble())
                    .isEqualTo(strengths.get(r).get("outputs").get(0).asDouble());
        }
        error(infer("/v2/models/" + regression + "/infer", obj("inputs", List.of(tensor("FP32", List.of(1, 8), mixes[0])),
                "outputs", List.of(obj("name", "class_index")))), 400, "inference_error_response", "it has output");
    }

    /** A linear model given inputs near the float32 limit overflows: the protocol's 400, not a 500. */
    @Test
    void anOverflowIsAProtocolError() {
        String linear = createModel(1, "squared_error", 1, layer(1, "linear")).get("id").asString();
        String job = train(obj("modelId", linear, "data", data(List.of(List.of(0), List.of(1), List.of(2), List.of(3)),
                List.of(0, 2, 4, 6)), "epochs", 50, "batchSize", 4, "standardize", false,
                "optimizer", obj("type", "sgd", "learningRate", 0.1))).get("id").asString();
        assertThat(status(awaitEnd(job, Duration.ofMinutes(1)))).isEqualTo("SUCCEEDED");
        error(infer("/v2/models/" + linear + "/infer", obj("inputs", List.of(tensor("FP32", List.of(2, 1), List.of(1, 3e38))))), 400,
                "inference_error_response", "the output of row 1 is not a finite number");
    }

    @Test
    void wrongMethodsAndTypesStayOutOfTheWay() {
        // a body sent without a JSON content type is read as JSON all the same (and refused in the protocol's words)
        Reply plain = send(HttpRequest.newBuilder(uri("/v2/models/x/infer")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        error(plain, 404, "inference_error_response", "no model has the id or the name 'x'");
        // curl -d sends application/x-www-form-urlencoded: the body is still read as it was sent
        String id = createModel(2, "squared_error", 1, layer(1, "linear")).get("id").asString();
        String job = train(obj("modelId", id, "data", data(List.of(List.of(0, 1), List.of(1, 0)), List.of(1, 2)), "epochs", 1))
                .get("id").asString();
        assertThat(status(awaitEnd(job, Duration.ofMinutes(1)))).isEqualTo("SUCCEEDED");
        Reply form = send(HttpRequest.newBuilder(uri("/v2/models/" + id + "/infer"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 2], "
                        + "\"datatype\": \"FP32\", \"data\": [0.5, 0.25]}]}")));
        JsonNode answer = ok(form, "inference_response");
        assertThat(answer.get("outputs").get(0).get("data").get(0).asDouble()).isEqualTo(post("/models/" + id + "/predict",
                obj("instances", List.of(List.of(0.5, 0.25)))).json().get("predictions").get(0).get("outputs").get(0).asDouble());
    }
}
