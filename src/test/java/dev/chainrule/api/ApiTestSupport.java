package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the API tests share: the one test HTTP client ({@link TestHttp}) against the service on its random port, JSON
 * in and out, polling with timeouts, RFC 9457 problem checks, and a clean-up that leaves no job queued or running for
 * the next test (the application context and its workers are cached and reused across test classes).
 */
abstract class ApiTestSupport {
    static final JsonMapper JSON = TestHttp.JSON;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration POLL_INTERVAL = Duration.ofMillis(15);

    /** The limits of {@link ConstrainedService}. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;
    static final int MAX_LAYER_WIDTH = 64;
    static final int MAX_LAYERS = 4;
    static final int MAX_PARAMETERS = 500;
    static final int MAX_INLINE_ROWS = 2000;
    static final int MAX_PREDICT_ROWS = 20;
    static final int MAX_EPOCHS = 1000;

    @Value("${local.server.port}")
    int port;

    /** An API key sent with every request as a bearer token (for services with keys); null: none. */
    String bearer;

    /** The one test client, at this service, with {@link #bearer} as its key. */
    TestHttp http() {
        return TestHttp.at(port).withKey(bearer).withTimeout(REQUEST_TIMEOUT);
    }

    URI uri(String path) {
        return http().uri(path);
    }

    Reply get(String path) {
        return http().get(path);
    }

    /** PUTs a JSON body, serialised. */
    Reply put(String path, Object body) {
        return http().put(path, body);
    }

    Reply delete(String path) {
        return http().delete(path);
    }

    /** POSTs a JSON body: a String is sent as it is (for malformed bodies), anything else is serialised. */
    Reply post(String path, Object body) {
        return http().post(path, body);
    }

    Reply postBytes(String path, byte[] body) {
        return http().post(path, "application/json", body);
    }

    /** A body of another content type (CSV, a model file, a multipart form...), as bytes or a publisher. */
    Reply post(String path, String contentType, byte[] body) {
        return http().post(path, contentType, body);
    }

    Reply post(String path, String contentType, HttpRequest.BodyPublisher body) {
        return http().post(path, contentType, body);
    }

    /** A request built by the test, sent by the one client with this test's key. */
    Reply send(HttpRequest.Builder request) {
        return http().send(request);
    }

    /** A JSON object from alternating names and values, in that order; null values are left out. */
    static Map<String, Object> obj(Object... namesAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                map.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return map;
    }

    static Map<String, Object> layer(int units, String activation) {
        return obj("units", units, "activation", activation);
    }

    static Map<String, Object> data(Object features, Object targets) {
        return obj("features", features, "targets", targets);
    }

    /** POST /models expecting 201; returns the created model. */
    JsonNode createModel(Map<String, Object> definition) {
        Reply response = post("/models", definition);
        assertThat(response.status()).as("POST /models %s", response.body()).isEqualTo(201);
        return response.json();
    }

    JsonNode createModel(int inputWidth, String loss, long seed, Map<?, ?>... layers) {
        return createModel(obj("inputWidth", inputWidth, "layers", List.of(layers), "loss", loss, "seed", seed));
    }

    /** POST /train expecting 202; returns the job. */
    JsonNode train(Map<String, Object> request) {
        Reply response = post("/train", request);
        assertThat(response.status()).as("POST /train %s", response.body()).isEqualTo(202);
        return response.json();
    }

    JsonNode job(String id) {
        Reply response = get("/jobs/" + id);
        assertThat(response.status()).as("GET /jobs/%s %s", id, response.body()).isEqualTo(200);
        return response.json();
    }

    /** Polls GET /jobs/{id} until the condition holds; fails after the timeout with the last state seen. */
    JsonNode awaitJob(String id, Predicate<JsonNode> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last;
        do {
            last = job(id);
            if (condition.test(last)) {
                return last;
            }
            pause(POLL_INTERVAL);
        } while (System.nanoTime() < deadline);
        return fail("job %s: not %s within %s; last seen %s", id, what, timeout, last);
    }

    JsonNode awaitEnd(String id, Duration timeout) {
        return awaitJob(id, ApiTestSupport::finished, timeout, "finished");
    }

    JsonNode awaitRunning(String id) {
        return awaitJob(id, j -> status(j).equals("RUNNING") && j.get("batchesDone").asLong() > 0,
                Duration.ofSeconds(20), "running with a batch done");
    }

    static String status(JsonNode job) {
        return job.get("status").asString();
    }

    static boolean finished(JsonNode job) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status(job));
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Asserts an RFC 9457 problem: the status, content type application/problem+json, type /problems/{kind},
     * title, detail, instance (the request path), the status repeated in the body, and, when fields are
     * given, that each is named by an entry of "errors".
     *
     * @return the problem, for further checks
     */
    static JsonNode assertProblem(Reply response, int status, String kind, String... fields) {
        assertThat(response.status()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(response.contentType()).as("content type of %s", response.body()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("type").asString()).as("type of %s", response.body()).isEqualTo("/problems/" + kind);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asString()).as("title of %s", response.body()).isNotBlank();
        assertThat(problem.path("detail").asString()).as("detail of %s", response.body()).isNotBlank();
        assertThat(problem.path("instance").asString()).as("instance of %s", response.body()).startsWith("/");
        if (fields.length > 0) {
            assertThat(errorFields(problem)).as("errors[].field of %s", response.body()).contains(fields);
            for (JsonNode error : problem.get("errors")) {
                assertThat(error.path("reason").asString()).as("reason of %s", error).isNotBlank();
            }
        }
        return problem;
    }

    static List<String> errorFields(JsonNode problem) {
        List<String> fields = new ArrayList<>();
        for (JsonNode error : problem.path("errors")) {
            fields.add(error.path("field").asString());
        }
        return fields;
    }

    /** The reason given for one field. */
    static String reason(JsonNode problem, String field) {
        for (JsonNode error : problem.path("errors")) {
            if (error.path("field").asString().equals(field)) {
                return error.path("reason").asString();
            }
        }
        return fail("no error for field %s in %s", field, problem);
    }

    /** Cancels whatever a test left queued or running and waits for it to end, so the next test starts idle. */
    @AfterEach
    void cancelLeftoverJobs() {
        List<String> active = new ArrayList<>();
        for (String state : List.of("QUEUED", "RUNNING")) {
            for (JsonNode job : get("/jobs?size=100&status=" + state).json().get("items")) {
                active.add(job.get("id").asString());
            }
        }
        for (String id : active) {
            post("/jobs/" + id + "/cancel", "");
        }
        for (String id : active) {
            awaitEnd(id, Duration.ofSeconds(20));
        }
    }
}
