package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.TinyModel;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/** Keyed mode over real HTTP: health open, no key or a bad one 401, a read key reads and predicts, admin does all. */
@KeyedService
class ApiKeysHttpTest {
    static final String READ = KeyedService.READ;
    static final String ADMIN = KeyedService.ADMIN;

    @Value("${local.server.port}")
    int port;

    /** Without a key, with the read key, with the admin key. */
    private TestHttp http;
    private TestHttp read;
    private TestHttp admin;

    @BeforeEach
    void client() {
        http = TestHttp.at(port);
        read = http.withKey(READ);
        admin = http.withKey(ADMIN);
    }

    private static void assertProblem(Reply response, int status, String type) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = response.json();
        assertThat(problem.get("type").asString()).isEqualTo("/problems/" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
    }

    private static void assertUnauthorized(Reply response) {
        assertProblem(response, 401, "unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
    }

    @Test
    void healthAndItsGroupsNeedNoKey() throws Exception {
        for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"}) {
            Reply response = http.get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void withoutAKeyEverythingElseIs401WithABearerChallenge() throws Exception {
        long models = admin.get("/models").json().get("totalItems").asLong();
        for (String path : new String[] {"/models", "/jobs", "/models/some-id", "/actuator/info", "/actuator/prometheus",
                "/actuator/metrics", "/no/such/route"}) {
            assertUnauthorized(http.get(path));
        }
        assertUnauthorized(http.post("/models", TinyModel.DEFINITION));
        assertUnauthorized(http.post("/train", "{}"));
        assertUnauthorized(http.post("/models/some-id/predict", "{\"instances\": [[0, 0]]}"));
        assertUnauthorized(http.delete("/models/some-id"));
        assertThat(admin.get("/models").json().get("totalItems").asLong())
                .as("a refused POST /models created nothing").isEqualTo(models);
    }

    /**
     * A refused request's body is read and dropped after the 401 is sent, so a client still writing it gets its
     * answer rather than a broken pipe or a reset, and its connection stays usable for the next request.
     */
    @Test
    void aRefusedBodyIsReadSoTheClientGetsItsAnswerAndKeepsItsConnection() throws Exception {
        byte[] body = ("{\"name\": \"padded\"" + " ".repeat(200_000) + "}").getBytes(StandardCharsets.US_ASCII);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            out.write(("POST /models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // the answer comes before the body is sent: the key is checked on the headers alone
            String refused = readResponse(in);
            assertThat(refused).startsWith("HTTP/1.1 401 ").contains("/problems/unauthorized").doesNotContainIgnoringCase("connection: close");
            out.write(body);
            out.write(("GET /models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ADMIN + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).as("the next request on the same connection").startsWith("HTTP/1.1 200 ")
                    .contains("\"totalItems\"");
        }
    }

    /** One HTTP/1.1 response with a Content-Length body: its head and body as text. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("the connection ended after " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertThat(length.find()).as("a Content-Length in %s", head).isTrue();
        return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
    }

    @Test
    void anUnknownKeyIs401() throws Exception {
        assertUnauthorized(http.withKey("not-a-key").get("/models"));
        assertUnauthorized(http.withKey(ADMIN + "x").get("/models"));
        assertUnauthorized(http.withKey(ADMIN.substring(1)).get("/models"));
        assertUnauthorized(http.withKey("not-a-key").post("/models", TinyModel.DEFINITION));
        // the right key under another scheme is no bearer token
        assertUnauthorized(withAuthorization("Basic " + Base64.getEncoder().encodeToString(
                ("x:" + ADMIN).getBytes(StandardCharsets.UTF_8))));
        assertUnauthorized(withAuthorization(ADMIN));
    }

    @Test
    void aReadKeyListsGetsFollowsAndPredicts() throws Exception {
        String modelId = TinyModel.trained(admin);
        String jobId = read.get("/jobs?modelId=" + modelId).json().get("items").get(0).get("id").asString();

        assertThat(read.get("/models").status()).isEqualTo(200);
        assertThat(read.get("/models/" + modelId).status()).isEqualTo(200);
        assertThat(read.get("/jobs").status()).isEqualTo(200);
        assertThat(read.get("/jobs/" + jobId).status()).isEqualTo(200);
        Reply events = read.get("/jobs/" + jobId + "/events");
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.body()).contains("event:epoch").contains("event:end");

        Reply predicted = read.post("/models/" + modelId + "/predict", "{\"instances\": " + TinyModel.INSTANCES + "}");
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
        assertThat(predicted.json().get("predictions").size()).isEqualTo(4);
        Reply gradients = read.post("/models/" + modelId + "/input-gradients",
                "{\"instances\": " + TinyModel.INSTANCES + ", \"targets\": [0, 1, 1, 0]}");
        assertThat(gradients.status()).as(gradients.body()).isEqualTo(200);

        for (String path : new String[] {"/actuator/info", "/actuator/metrics", "/actuator/prometheus"}) {
            assertThat(read.get(path).status()).as(path).isEqualTo(200);
        }
        // a read key gets past the key check everywhere it may read: a missing page is still a plain 404
        assertThat(read.get("/models/no-such-model").status()).isEqualTo(404);

        // the Open Inference Protocol: its probes need no key, a read key may see the metadata and infer
        assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
        assertUnauthorized(http.get("/v2/models/" + modelId));
        String infer = "{\"inputs\": [{\"name\": \"input\", \"shape\": [4, 2], \"datatype\": \"FP32\", \"data\": "
                + TinyModel.INSTANCES + "}]}";
        assertUnauthorized(http.post("/v2/models/" + modelId + "/infer", infer));
        assertThat(read.get("/v2").status()).isEqualTo(200);
        assertThat(read.get("/v2/models/" + modelId + "/versions/1/ready").status()).isEqualTo(200);
        Reply inferred = read.post("/v2/models/" + modelId + "/versions/1/infer", infer);
        assertThat(inferred.status()).as(inferred.body()).isEqualTo(200);
        assertThat(inferred.json().get("outputs").get(0).get("shape").toString()).startsWith("[4,");
        assertThat(inferred.json().get("outputs").get(0).get("data"))
                .isEqualTo(TestHttp.JSON.valueToTree(java.util.stream.StreamSupport.stream(predicted.json().get("predictions")
                        .spliterator(), false).flatMap(p -> java.util.stream.StreamSupport.stream(p.get("outputs").spliterator(), false))
                        .toList()));
    }

    @Test
    void aReadKeyIsForbiddenToChangeAnything() throws Exception {
        String modelId = TinyModel.trained(admin);
        String jobId = admin.get("/jobs?modelId=" + modelId).json().get("items").get(0).get("id").asString();
        long models = admin.get("/models").json().get("totalItems").asLong();
        long jobs = admin.get("/jobs").json().get("totalItems").asLong();

        assertProblem(read.post("/models", TinyModel.DEFINITION), 403, "forbidden");
        assertProblem(read.post("/train", "{\"modelId\": \"" + modelId + "\", \"data\": {\"features\": [[0, 0]],"
                + " \"targets\": [0]}}"), 403, "forbidden");
        assertProblem(read.delete("/models/" + modelId), 403, "forbidden");
        assertProblem(read.post("/jobs/" + jobId + "/cancel", null), 403, "forbidden");

        assertThat(admin.get("/models").json().get("totalItems").asLong()).isEqualTo(models);
        assertThat(admin.get("/jobs").json().get("totalItems").asLong()).isEqualTo(jobs);
        assertThat(read.get("/models/" + modelId).status()).isEqualTo(200);
    }

    @Test
    void anAdminKeyMayDoEverything() throws Exception {
        String modelId = TinyModel.create(admin);
        assertThat(admin.get("/models/" + modelId).status()).isEqualTo(200);

        String cancelled = TinyModel.startTraining(admin, modelId, 10_000);
        Reply cancel = admin.post("/jobs/" + cancelled + "/cancel", null);
        assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
        assertThat(TinyModel.awaitFinished(admin, cancelled).get("status").asString()).isEqualTo("CANCELLED");

        JsonNode trained = TinyModel.awaitFinished(admin, TinyModel.startTraining(admin, modelId, 3));
        assertThat(trained.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(admin.get("/jobs/" + trained.get("id").asString() + "/events").body()).contains("event:end");
        assertThat(admin.post("/models/" + modelId + "/predict", "{\"instances\": " + TinyModel.INSTANCES + "}")
                .status()).isEqualTo(200);
        assertThat(admin.post("/models/" + modelId + "/input-gradients",
                "{\"instances\": [[0, 1]], \"targets\": [1]}").status()).isEqualTo(200);
        assertThat(admin.get("/actuator/prometheus").status()).isEqualTo(200);

        Reply deleted = TinyModel.delete(admin, modelId);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(admin.get("/models/" + modelId).status()).isEqualTo(404);
    }

    @Test
    void theSchemeNameIsCaseInsensitive() throws Exception {
        assertThat(withAuthorization("bearer " + READ).status()).isEqualTo(200);
        assertThat(withAuthorization("BEARER " + READ).status()).isEqualTo(200);
    }

    /** GET /models with this Authorization header as it is. */
    private Reply withAuthorization(String header) {
        return http.send(http.request("/models").header("Authorization", header));
    }
}
