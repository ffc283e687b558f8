package dev.chainrule;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small client for tests over real HTTP: requests with or without an API key, JSON bodies, and a tiny
 * model trained to SUCCEEDED for the endpoints that need one.
 */
public final class OpsHttp {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    /** Two inputs, one hidden layer of 4, a 2-way softmax: trains in well under a second. */
    public static final String TINY_MODEL = """
            {"name": "tiny", "inputWidth": 2, "layers": [{"units": 4, "activation": "tanh"},
             {"units": 2, "activation": "softmax"}], "loss": "cross_entropy", "seed": 7}""";
    public static final String TINY_INSTANCES = "[[0, 0], [0, 1], [1, 0], [1, 1]]";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final int port;

    public OpsHttp(int port) {
        this.port = port;
    }

    public HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String key) throws Exception {
        return send("GET", path, key, null);
    }

    public HttpResponse<String> post(String path, String key, String body) throws Exception {
        return send("POST", path, key, body);
    }

    public static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    /** Defines the tiny model and returns its id. */
    public String createTinyModel(String key) throws Exception {
        HttpResponse<String> created = post("/models", key, TINY_MODEL);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).get("id").asString();
    }

    /** Starts a job on the tiny model, 3 epochs of 8 rows, and returns its id. */
    public String startTraining(String key, String modelId, int epochs) throws Exception {
        String body = """
                {"modelId": "%s", "epochs": %d, "batchSize": 4, "optimizer": {"type": "adam", "learningRate": 0.05},
                 "data": {"features": [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [1, 1]],
                          "targets": [0, 1, 1, 0, 0, 1, 1, 0]}}""".formatted(modelId, epochs);
        HttpResponse<String> accepted = post("/train", key, body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted).get("id").asString();
    }

    /** Polls the job until it is finished (at most 60 s) and returns its final state. */
    public JsonNode awaitFinished(String key, String jobId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> response = get("/jobs/" + jobId, key);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode job = json(response);
            String status = job.get("status").asString();
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return job;
            }
            assertThat(System.nanoTime()).as("job " + jobId + " still " + status + " after 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * DELETE /models/{id}, retried for up to 5 s while it answers 409: a job's final status is visible a moment
     * before the model counts the job as ended (TrainingJobService.run ends the model's job in a finally).
     */
    public HttpResponse<String> deleteModel(String key, String modelId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<String> response = send("DELETE", "/models/" + modelId, key, null);
        while (response.statusCode() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            response = send("DELETE", "/models/" + modelId, key, null);
        }
        return response;
    }

    /** A tiny model with one trained version; returns the model's id. */
    public String trainedTinyModel(String key) throws Exception {
        String modelId = createTinyModel(key);
        JsonNode job = awaitFinished(key, startTraining(key, modelId, 3));
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
        return modelId;
    }
}
