package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Aliases over real HTTP on iris: promote a version, predict through the alias (JSON, float32, dry run, input
 * gradients, export), train a new version without it changing what the alias or the default serves, move the alias
 * and see predictions follow (compared with predicting the version by number), and the history of every move; bad
 * alias names, unknown versions and unknown aliases are problems naming the field.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AliasApiTest extends ApiTestSupport {
    private static final TestData.Table IRIS = TestData.load("iris/iris.csv");
    private static final double[][] PROBE = {IRIS.features()[0], IRIS.features()[60], IRIS.features()[120]};

    private String irisModel() {
        return createModel(4, "cross_entropy", 7, layer(8, "tanh"), layer(3, "softmax")).get("id").asString();
    }

    /** Trains the model once more (fresh weights, its own epoch count); the new version's number. */
    private int trainVersion(String modelId, int epochs) {
        JsonNode job = train(obj("modelId", modelId, "data", data(IRIS.features(), IRIS.labels()), "epochs", epochs,
                "batchSize", 16, "optimizer", obj("type", "adam", "learningRate", 0.02)));
        JsonNode end = awaitEnd(job.get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        return end.get("version").asInt();
    }

    /** POST /predict with the version given as it is (null: not named). */
    private JsonNode predict(String modelId, Object version) {
        Reply response = post("/models/" + modelId + "/predict", obj("instances", PROBE, "version", version));
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        return response.json();
    }

    private static List<String> outputs(JsonNode predicted) {
        List<String> rows = new ArrayList<>();
        predicted.get("predictions").forEach(p -> rows.add(p.get("outputs").toString()));
        return rows;
    }

    private JsonNode predictFloat32(String modelId, String query) {
        ByteBuffer body = ByteBuffer.allocate(PROBE.length * 4 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : PROBE) {
            for (double value : row) {
                body.putFloat((float) value);
            }
        }
        Reply response = send(HttpRequest.newBuilder(uri("/models/" + modelId + "/predict" + query))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body.array())));
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        return response.json();
    }

    private byte[] export(String modelId, String version) throws Exception {
        HttpResponse<byte[]> response = http().exchange(HttpRequest.newBuilder(uri("/models/" + modelId + "/versions/" + version
                + "/export")).timeout(REQUEST_TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("export %s", version).isEqualTo(200);
        return response.body();
    }

    @Test
    void aPromotedVersionServesUntilTheAliasMovesWhateverIsTrainedMeanwhile() throws Exception {
        String model = irisModel();
        assertThat(trainVersion(model, 20)).isEqualTo(1);
        List<String> v1 = outputs(predict(model, 1));

        // promote: 201 with a Location that shows the alias
        Reply created = put("/models/" + model + "/aliases/production", obj("version", 1));
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo(uri("/models/" + model + "/aliases/production").toString());
        assertThat(created.json().get("version").asInt()).isEqualTo(1);
        assertThat(get("/models/" + model + "/aliases/production").json().get("version").asInt()).isEqualTo(1);

        // unnamed predictions follow the default alias once the model has one
        Reply defaulted = put("/models/" + model + "/default-alias", obj("alias", "production"));
        assertThat(defaulted.status()).as("%s", defaulted).isEqualTo(200);
        assertThat(defaulted.json().get("defaultAlias").asString()).isEqualTo("production");
        assertThat(defaulted.json().get("aliases").get("production").asInt()).isEqualTo(1);

        JsonNode viaAlias = predict(model, "production");
        assertThat(viaAlias.get("version").asInt()).isEqualTo(1);
        assertThat(viaAlias.get("alias").asString()).isEqualTo("production");
        assertThat(outputs(viaAlias)).isEqualTo(v1);
        JsonNode unnamed = predict(model, null);
        assertThat(unnamed.get("alias").asString()).isEqualTo("production");
        assertThat(outputs(unnamed)).isEqualTo(v1);
        assertThat(predict(model, 1).has("alias")).as("a version named by number came by no alias").isFalse();

        // a new version changes neither what the alias nor what unnamed predictions serve; "latest" and 2 reach it
        assertThat(trainVersion(model, 60)).isEqualTo(2);
        List<String> v2 = outputs(predict(model, 2));
        assertThat(v2).as("the versions differ, so the checks below can tell them apart").isNotEqualTo(v1);
        assertThat(outputs(predict(model, "production"))).isEqualTo(v1);
        assertThat(outputs(predict(model, null))).isEqualTo(v1);
        assertThat(outputs(predict(model, "latest"))).isEqualTo(v2);
        assertProblem(post("/models/" + model + "/predict", obj("instances", PROBE, "version", "2")), 400,
                "invalid-request", "version"); // JSON is strict: a number goes as a number

        // the same rule in the query, the path, the dry run and input gradients
        assertThat(outputs(predictFloat32(model, "?version=production"))).isEqualTo(outputs(predictFloat32(model, "?version=1")));
        assertThat(predictFloat32(model, "").get("version").asInt()).isEqualTo(1);
        Reply dryRun = post("/models/" + model + "/predict/dry-run", obj("instances", PROBE, "version", "production"));
        assertThat(dryRun.json().get("version").asInt()).isEqualTo(1);
        assertThat(dryRun.json().get("alias").asString()).isEqualTo("production");
        Object targets = List.of(0, 1, 2);
        JsonNode gradientsByAlias = post("/models/" + model + "/input-gradients",
                obj("instances", PROBE, "targets", targets, "version", "production")).json();
        JsonNode gradientsByNumber = post("/models/" + model + "/input-gradients",
                obj("instances", PROBE, "targets", targets, "version", 1)).json();
        assertThat(gradientsByAlias.get("version").asInt()).isEqualTo(1);
        assertThat(gradientsByAlias.get("gradients")).isEqualTo(gradientsByNumber.get("gradients"));
        assertThat(export(model, "production")).isEqualTo(export(model, "1")).isNotEqualTo(export(model, "latest"));

        // move: 200, and predictions through the alias (and unnamed ones) are version 2's
        Reply moved = put("/models/" + model + "/aliases/production", obj("version", 2));
        assertThat(moved.status()).as("%s", moved).isEqualTo(200);
        assertThat(moved.json().get("version").asInt()).isEqualTo(2);
        assertThat(outputs(predict(model, "production"))).isEqualTo(v2);
        assertThat(outputs(predict(model, null))).isEqualTo(v2);
        // a PUT to where it already points changes nothing and records no move
        assertThat(put("/models/" + model + "/aliases/production", obj("version", 2)).status()).isEqualTo(200);

        // another alias set from this one's version; continuing training from an alias starts from its version
        Reply staging = put("/models/" + model + "/aliases/staging", obj("version", "production"));
        assertThat(staging.status()).isEqualTo(201);
        assertThat(staging.json().get("version").asInt()).isEqualTo(2);
        JsonNode continued = train(obj("modelId", model, "data", data(IRIS.features(), IRIS.labels()), "epochs", 1,
                "initialization", "continue", "fromVersion", "staging"));
        assertThat(continued.get("fromVersion").asInt()).isEqualTo(2);
        assertThat(status(awaitEnd(continued.get("id").asString(), Duration.ofSeconds(60)))).isEqualTo("SUCCEEDED");

        // the default alias cannot be removed; without a default, unnamed predictions are the latest version's again
        assertProblem(delete("/models/" + model + "/aliases/production"), 409, "alias-in-use");
        Reply cleared = delete("/models/" + model + "/default-alias");
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().has("defaultAlias")).isFalse();
        assertThat(predict(model, null).get("version").asInt()).isEqualTo(3);
        assertThat(delete("/models/" + model + "/aliases/production").status()).isEqualTo(204);
        assertProblem(get("/models/" + model + "/aliases/production"), 404, "not-found");
        assertThat(put("/models/" + model + "/aliases/production", obj("version", 1)).status()).isEqualTo(201);

        // the history: every set, move and removal, oldest first, with non-decreasing times
        JsonNode alias = get("/models/" + model + "/aliases/production").json();
        JsonNode history = alias.get("history");
        List<String> moves = new ArrayList<>();
        Instant previous = Instant.MIN;
        for (JsonNode move : history) {
            moves.add(move.path("fromVersion").asString("-") + "->" + move.path("toVersion").asString("-"));
            Instant at = Instant.parse(move.get("movedAt").asString());
            assertThat(at).isAfterOrEqualTo(previous);
            previous = at;
            assertThat(move.has("movedBy")).as("no keys, no name").isFalse();
        }
        assertThat(moves).containsExactly("-->1", "1->2", "2->-", "-->1");
        assertThat(Instant.parse(alias.get("updatedAt").asString())).isEqualTo(previous);

        // the list: both aliases by name, the model shows them too
        JsonNode list = get("/models/" + model + "/aliases").json();
        Map<String, Integer> listed = new HashMap<>();
        list.get("aliases").forEach(a -> listed.put(a.get("alias").asString(), a.get("version").asInt()));
        assertThat(listed).isEqualTo(Map.of("production", 1, "staging", 2));
        assertThat(list.has("defaultAlias")).isFalse();
        assertThat(get("/models/" + model).json().get("aliases").toString()).isEqualTo("{\"production\":1,\"staging\":2}");

        // deleting the model takes its aliases with it
        assertThat(delete("/models/" + model).status()).isEqualTo(204);
        assertProblem(get("/models/" + model + "/aliases"), 404, "not-found");
    }

    @Test
    void badAliasNamesUnknownVersionsAndUnknownAliasesAreProblemsNamingTheField() {
        String model = irisModel();
        // before any version: nothing to point at
        assertProblem(put("/models/" + model + "/aliases/production", obj("version", 1)), 409, "model-not-trained");
        trainVersion(model, 5);
        String aliases = "/models/" + model + "/aliases/";

        for (String bad : List.of("Production", "123", "latest", "-x", "a".repeat(65), "prod%20uction")) {
            assertProblem(put(aliases + bad, obj("version", 1)), 400, "invalid-request", "alias");
        }
        assertThat(put(aliases + "a".repeat(64), obj("version", 1)).status()).as("64 characters are allowed").isEqualTo(201);
        assertThat(put(aliases + "v2-candidate_1", obj("version", 1)).status()).isEqualTo(201);

        assertProblem(put(aliases + "production", obj()), 400, "invalid-request", "version");
        assertProblem(put(aliases + "production", obj("version", 0)), 400, "invalid-request", "version");
        assertProblem(put(aliases + "production", obj("version", 1.5)), 400, "invalid-request", "version");
        assertProblem(put(aliases + "production", obj("version", 99_999_999_999L)), 400, "invalid-request", "version");
        JsonNode missing = assertProblem(put(aliases + "production", obj("version", 7)), 404, "not-found", "version");
        assertThat(reason(missing, "version")).contains("no version 7").contains("1..1");
        assertProblem(put(aliases + "production", obj("version", "nosuch")), 404, "not-found", "version");
        assertProblem(get(aliases + "production"), 404, "not-found");
        assertProblem(delete(aliases + "production"), 404, "not-found");
        assertProblem(get(aliases + "Production"), 400, "invalid-request", "alias");
        assertProblem(put("/models/no-such-model/aliases/production", obj("version", 1)), 404, "not-found");

        String predict = "/models/" + model + "/predict";
        assertProblem(post(predict, obj("instances", PROBE, "version", "nosuch")), 404, "not-found", "version");
        assertProblem(post(predict, obj("instances", PROBE, "version", "Bad Name")), 400, "invalid-request", "version");
        assertProblem(post(predict, obj("instances", PROBE, "version", true)), 400, "invalid-request", "version");
        assertProblem(post(predict, obj("instances", PROBE, "version", 9)), 404, "not-found", "version");
        assertProblem(send(HttpRequest.newBuilder(uri(predict + "?version=nosuch")).header("Content-Type",
                "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[16]))), 404, "not-found", "version");
        assertProblem(get("/models/" + model + "/versions/nosuch/export"), 404, "not-found", "version");
        assertProblem(get("/models/" + model + "/versions/No!/export"), 400, "invalid-request", "version");
        assertProblem(post("/train", obj("modelId", model, "data", data(IRIS.features(), IRIS.labels()), "epochs", 1,
                "initialization", "continue", "fromVersion", "nosuch")), 404, "not-found", "fromVersion");

        assertProblem(put("/models/" + model + "/default-alias", obj("alias", "nosuch")), 404, "not-found", "alias");
        assertProblem(put("/models/" + model + "/default-alias", obj("alias", "No")), 400, "invalid-request", "alias");
        assertProblem(put("/models/" + model + "/default-alias", obj()), 400, "invalid-request", "alias");
    }
}
