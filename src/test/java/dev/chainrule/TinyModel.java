package dev.chainrule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * A tiny model trained over real HTTP, for the tests of endpoints that need one (operations, keys, the web page):
 * defined, trained to SUCCEEDED, deleted. Each call goes through the given client, with its key.
 */
public final class TinyModel {
    /** Two inputs, one hidden layer of 4, a 2-way softmax: trains in well under a second. */
    public static final String DEFINITION = """
            {"name": "tiny", "inputWidth": 2, "layers": [{"units": 4, "activation": "tanh"},
             {"units": 2, "activation": "softmax"}], "loss": "cross_entropy", "seed": 7}""";
    public static final String INSTANCES = "[[0, 0], [0, 1], [1, 0], [1, 1]]";

    private TinyModel() {
    }

    /** Defines the tiny model and returns its id. */
    public static String create(TestHttp http) {
        Reply created = http.post("/models", DEFINITION);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("id").asString();
    }

    /** Starts a job on the tiny model, {@code epochs} epochs of 8 rows, and returns its id. */
    public static String startTraining(TestHttp http, String modelId, int epochs) {
        String body = """
                {"modelId": "%s", "epochs": %d, "batchSize": 4, "optimizer": {"type": "adam", "learningRate": 0.05},
                 "data": {"features": [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [1, 1]],
                          "targets": [0, 1, 1, 0, 0, 1, 1, 0]}}""".formatted(modelId, epochs);
        Reply accepted = http.post("/train", body);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        return accepted.json().get("id").asString();
    }

    /** Polls the job until it is finished (at most 60 s) and returns its final state. */
    public static JsonNode awaitFinished(TestHttp http, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Reply response = http.get("/jobs/" + jobId);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode job = response.json();
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
    public static Reply delete(TestHttp http, String modelId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Reply response = http.delete("/models/" + modelId);
        while (response.status() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            response = http.delete("/models/" + modelId);
        }
        return response;
    }

    /** A tiny model with one trained version; returns the model's id. */
    public static String trained(TestHttp http) throws InterruptedException {
        String modelId = create(http);
        JsonNode job = awaitFinished(http, startTraining(http, modelId, 3));
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
        return modelId;
    }
}
