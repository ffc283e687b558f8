package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * What the API tests share: a real HTTP client against the service on its random port, JSON in and out,
 * polling with timeouts, RFC 9457 problem checks, and a clean-up that leaves no job queued or running for the
 * next test (the application context and its workers are cached and reused across test classes).
 */
abstract class ApiTestSupport {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** HTTP/1.1 so that a body of unknown length goes out chunked, as a streaming client would send it. */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
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

    /** One HTTP exchange; {@link #json()} parses the body. */
    record Response(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** PUTs a JSON body, serialised. */
    Response put(String path, Object body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    Response delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    /** POSTs a JSON body: a String is sent as it is (for malformed bodies), anything else is serialised. */
    Response post(String path, Object body) {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return postBytes(path, text.getBytes(StandardCharsets.UTF_8));
    }

    Response postBytes(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** An API key sent with every request as a bearer token (for services with keys); null: none. */
    String bearer;

    Response send(HttpRequest.Builder request) {
        if (bearer != null) {
            request.setHeader("Authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
        Response response = post("/models", definition);
        assertThat(response.status()).as("POST /models %s", response.body()).isEqualTo(201);
        return response.json();
    }

    JsonNode createModel(int inputWidth, String loss, long seed, Map<?, ?>... layers) {
        return createModel(obj("inputWidth", inputWidth, "layers", List.of(layers), "loss", loss, "seed", seed));
    }

    /** POST /train expecting 202; returns the job. */
    JsonNode train(Map<String, Object> request) {
        Response response = post("/train", request);
        assertThat(response.status()).as("POST /train %s", response.body()).isEqualTo(202);
        return response.json();
    }

    JsonNode job(String id) {
        Response response = get("/jobs/" + id);
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
    static JsonNode assertProblem(Response response, int status, String kind, String... fields) {
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
