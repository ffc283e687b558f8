package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.OpsHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/** Keyed mode over real HTTP: health open, no key or a bad one 401, a read key reads and predicts, admin does all. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.security.api-keys[0].key=" + ApiKeysHttpTest.READ,
        "chainrule.security.api-keys[0].role=READ",
        "chainrule.security.api-keys[1].key=" + ApiKeysHttpTest.ADMIN,
        "chainrule.security.api-keys[1].role=ADMIN"})
class ApiKeysHttpTest {
    static final String READ = "read-key-4f1c2a9e8b7d6c5a";
    static final String ADMIN = "admin-key-9e8d7c6b5a4f3e2d";

    @Value("${local.server.port}")
    int port;

    private OpsHttp http;

    @BeforeEach
    void client() {
        http = new OpsHttp(port);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = OpsHttp.json(response);
        assertThat(problem.get("type").asString()).isEqualTo("/problems/" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
    }

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertProblem(response, 401, "unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
    }

    @Test
    void healthAndItsGroupsNeedNoKey() throws Exception {
        for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"}) {
            HttpResponse<String> response = http.get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void withoutAKeyEverythingElseIs401WithABearerChallenge() throws Exception {
        long models = OpsHttp.json(http.get("/models", ADMIN)).get("totalItems").asLong();
        for (String path : new String[] {"/models", "/jobs", "/models/some-id", "/actuator/info", "/actuator/prometheus",
                "/actuator/metrics", "/no/such/route"}) {
            assertUnauthorized(http.get(path, null));
        }
        assertUnauthorized(http.post("/models", null, OpsHttp.TINY_MODEL));
        assertUnauthorized(http.post("/train", null, "{}"));
        assertUnauthorized(http.post("/models/some-id/predict", null, "{\"instances\": [[0, 0]]}"));
        assertUnauthorized(http.send("DELETE", "/models/some-id", null, null));
        assertThat(OpsHttp.json(http.get("/models", ADMIN)).get("totalItems").asLong())
                .as("a refused POST /models created nothing").isEqualTo(models);
    }

    @Test
    void anUnknownKeyIs401() throws Exception {
        assertUnauthorized(http.get("/models", "not-a-key"));
        assertUnauthorized(http.get("/models", ADMIN + "x"));
        assertUnauthorized(http.get("/models", ADMIN.substring(1)));
        assertUnauthorized(http.post("/models", "not-a-key", OpsHttp.TINY_MODEL));
        // the right key under another scheme is no bearer token
        assertUnauthorized(withAuthorization("Basic " + Base64.getEncoder().encodeToString(
                ("x:" + ADMIN).getBytes(StandardCharsets.UTF_8))));
        assertUnauthorized(withAuthorization(ADMIN));
    }

    @Test
    void aReadKeyListsGetsFollowsAndPredicts() throws Exception {
        String modelId = http.trainedTinyModel(ADMIN);
        String jobId = OpsHttp.json(http.get("/jobs?modelId=" + modelId, READ)).get("items").get(0).get("id").asString();

        assertThat(http.get("/models", READ).statusCode()).isEqualTo(200);
        assertThat(http.get("/models/" + modelId, READ).statusCode()).isEqualTo(200);
        assertThat(http.get("/jobs", READ).statusCode()).isEqualTo(200);
        assertThat(http.get("/jobs/" + jobId, READ).statusCode()).isEqualTo(200);
        HttpResponse<String> events = http.get("/jobs/" + jobId + "/events", READ);
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.body()).contains("event:epoch").contains("event:end");

        HttpResponse<String> predicted = http.post("/models/" + modelId + "/predict", READ,
                "{\"instances\": " + OpsHttp.TINY_INSTANCES + "}");
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        assertThat(OpsHttp.json(predicted).get("predictions").size()).isEqualTo(4);
        HttpResponse<String> gradients = http.post("/models/" + modelId + "/input-gradients", READ,
                "{\"instances\": " + OpsHttp.TINY_INSTANCES + ", \"targets\": [0, 1, 1, 0]}");
        assertThat(gradients.statusCode()).as(gradients.body()).isEqualTo(200);

        for (String path : new String[] {"/actuator/info", "/actuator/metrics", "/actuator/prometheus"}) {
            assertThat(http.get(path, READ).statusCode()).as(path).isEqualTo(200);
        }
        // a read key gets past the key check everywhere it may read: a missing page is still a plain 404
        assertThat(http.get("/models/no-such-model", READ).statusCode()).isEqualTo(404);

        // the Open Inference Protocol: its probes need no key, a read key may see the metadata and infer
        assertThat(http.get("/v2/health/live", null).statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready", null).statusCode()).isEqualTo(200);
        assertUnauthorized(http.get("/v2/models/" + modelId, null));
        String infer = "{\"inputs\": [{\"name\": \"input\", \"shape\": [4, 2], \"datatype\": \"FP32\", \"data\": "
                + OpsHttp.TINY_INSTANCES + "}]}";
        assertUnauthorized(http.post("/v2/models/" + modelId + "/infer", null, infer));
        assertThat(http.get("/v2", READ).statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/models/" + modelId + "/versions/1/ready", READ).statusCode()).isEqualTo(200);
        HttpResponse<String> inferred = http.post("/v2/models/" + modelId + "/versions/1/infer", READ, infer);
        assertThat(inferred.statusCode()).as(inferred.body()).isEqualTo(200);
        assertThat(OpsHttp.json(inferred).get("outputs").get(0).get("shape").toString()).startsWith("[4,");
        assertThat(OpsHttp.json(inferred).get("outputs").get(0).get("data"))
                .isEqualTo(OpsHttp.JSON.valueToTree(java.util.stream.StreamSupport.stream(OpsHttp.json(predicted).get("predictions")
                        .spliterator(), false).flatMap(p -> java.util.stream.StreamSupport.stream(p.get("outputs").spliterator(), false))
                        .toList()));
    }

    @Test
    void aReadKeyIsForbiddenToChangeAnything() throws Exception {
        String modelId = http.trainedTinyModel(ADMIN);
        String jobId = OpsHttp.json(http.get("/jobs?modelId=" + modelId, ADMIN)).get("items").get(0).get("id").asString();
        long models = OpsHttp.json(http.get("/models", ADMIN)).get("totalItems").asLong();
        long jobs = OpsHttp.json(http.get("/jobs", ADMIN)).get("totalItems").asLong();

        assertProblem(http.post("/models", READ, OpsHttp.TINY_MODEL), 403, "forbidden");
        assertProblem(http.post("/train", READ, "{\"modelId\": \"" + modelId + "\", \"data\": {\"features\": [[0, 0]],"
                + " \"targets\": [0]}}"), 403, "forbidden");
        assertProblem(http.send("DELETE", "/models/" + modelId, READ, null), 403, "forbidden");
        assertProblem(http.post("/jobs/" + jobId + "/cancel", READ, null), 403, "forbidden");

        assertThat(OpsHttp.json(http.get("/models", ADMIN)).get("totalItems").asLong()).isEqualTo(models);
        assertThat(OpsHttp.json(http.get("/jobs", ADMIN)).get("totalItems").asLong()).isEqualTo(jobs);
        assertThat(http.get("/models/" + modelId, READ).statusCode()).isEqualTo(200);
    }

    @Test
    void anAdminKeyMayDoEverything() throws Exception {
        String modelId = http.createTinyModel(ADMIN);
        assertThat(http.get("/models/" + modelId, ADMIN).statusCode()).isEqualTo(200);

        String cancelled = http.startTraining(ADMIN, modelId, 10_000);
        HttpResponse<String> cancel = http.post("/jobs/" + cancelled + "/cancel", ADMIN, null);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        assertThat(http.awaitFinished(ADMIN, cancelled).get("status").asString()).isEqualTo("CANCELLED");

        JsonNode trained = http.awaitFinished(ADMIN, http.startTraining(ADMIN, modelId, 3));
        assertThat(trained.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(http.get("/jobs/" + trained.get("id").asString() + "/events", ADMIN).body()).contains("event:end");
        assertThat(http.post("/models/" + modelId + "/predict", ADMIN, "{\"instances\": " + OpsHttp.TINY_INSTANCES + "}")
                .statusCode()).isEqualTo(200);
        assertThat(http.post("/models/" + modelId + "/input-gradients", ADMIN,
                "{\"instances\": [[0, 1]], \"targets\": [1]}").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/prometheus", ADMIN).statusCode()).isEqualTo(200);

        HttpResponse<String> deleted = http.deleteModel(ADMIN, modelId);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(http.get("/models/" + modelId, ADMIN).statusCode()).isEqualTo(404);
    }

    @Test
    void theSchemeNameIsCaseInsensitive() throws Exception {
        assertThat(withAuthorization("bearer " + READ).statusCode()).isEqualTo(200);
        assertThat(withAuthorization("BEARER " + READ).statusCode()).isEqualTo(200);
    }

    /** GET /models with this Authorization header as it is. */
    private HttpResponse<String> withAuthorization(String header) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/models"))
                .header("Authorization", header).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
