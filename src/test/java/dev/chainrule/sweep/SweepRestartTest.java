package dev.chainrule.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.ChainruleApplication;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A sweep survives a restart: the service is stopped while a trial trains and others wait, started again on the same
 * data directory and embedded database, and the sweep goes on by itself to its end, each trial trained once (one
 * model and one job per trial), the interrupted one continued by its job.
 */
class SweepRestartTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path dataDir = Path.of("target", "test-data", "sweep-restart-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;
    private int port;

    private void start() {
        context = new SpringApplicationBuilder(ChainruleApplication.class).run("--server.port=0",
                "--chainrule.data-dir=" + dataDir, "--chainrule.jobs.workers=1", "--chainrule.jobs.checkpoint-interval=0s",
                "--chainrule.sweeps.reconcile-interval=200ms");
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    private JsonNode call(String method, String path, String contentType, byte[] body, int expected) throws Exception {
        TestHttp http = TestHttp.at(port).withTimeout(Duration.ofSeconds(30));
        HttpRequest.Builder request = http.request(path)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        Reply response = http.send(request);
        assertThat(response.status()).as("%s %s: %s", method, path, response.body()).isEqualTo(expected);
        return response.body().isEmpty() ? null : response.json();
    }

    private JsonNode await(String path, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        JsonNode last;
        do {
            last = call("GET", path, null, null, 200);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("not " + what + " within 5 minutes: " + last);
    }

    @Test
    void aSweepStoppedMidwayGoesOnAfterARestartAndTrainsEachTrialOnce() throws Exception {
        start();
        String iris = call("POST", "/datasets?name=iris", "text/csv", Files.readAllBytes(TestDatasets.file("iris/iris.csv")), 201)
                .get("id").asString();
        Map<String, Object> request = Map.of("name", "restart",
                "model", Map.of("inputWidth", 4, "layers", List.of(Map.of("units", 8, "activation", "tanh"),
                        Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy", "seed", 5),
                "training", Map.of("datasetId", iris, "validationSplit", 0.2, "epochs", 40, "batchSize", 1, "shuffleSeed", 9),
                "space", Map.of("units", List.of(4, 8, 12)));
        String id = call("POST", "/sweeps", "application/json", JSON.writeValueAsBytes(request), 201).get("id").asString();
        // one worker: one trial at a time; stop while the first one has epochs done and the others wait
        JsonNode midway = await("/sweeps/" + id, s -> {
            JsonNode first = s.get("trials").get(0);
            if (!first.hasNonNull("jobId")) {
                return false;
            }
            try {
                JsonNode job = call("GET", "/jobs/" + first.get("jobId").asString(), null, null, 200);
                return job.get("status").asString().equals("RUNNING") && job.get("currentEpoch").asInt() >= 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "training its first trial");
        assertThat(midway.get("trials").get(2).get("status").asString()).isEqualTo("WAITING");
        String firstJob = midway.get("trials").get(0).get("jobId").asString();
        context.close();
        context = null;

        start();
        JsonNode end = await("/sweeps/" + id, s -> s.hasNonNull("finishedAt"), "ended after the restart");
        assertThat(end.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(end.get("trials").get(0).get("jobId").asString()).as("the interrupted trial kept its job").isEqualTo(firstJob);
        Set<String> models = new HashSet<>();
        for (JsonNode trial : end.get("trials")) {
            assertThat(trial.get("status").asString()).isEqualTo("SUCCEEDED");
            JsonNode job = call("GET", "/jobs/" + trial.get("jobId").asString(), null, null, 200);
            assertThat(job.get("history").size()).isEqualTo(40);
            assertThat(trial.get("metric").asDouble())
                    .isEqualTo(job.get("history").get(39).get("validationLoss").asDouble());
            models.add(trial.get("modelId").asString());
        }
        assertThat(models).hasSize(3);
        // each trial made exactly one model and one job: nothing was admitted twice across the restart
        long trialModels = 0;
        for (JsonNode model : call("GET", "/models?size=100", null, null, 200).get("items")) {
            if (id.equals(model.path("sweepId").asString(null))) {
                trialModels++;
            }
        }
        assertThat(trialModels).isEqualTo(3);
        assertThat(call("GET", "/jobs?size=100", null, null, 200).get("totalItems").asInt()).isEqualTo(3);
        assertThat(end.get("best").get("trial").asInt()).isBetween(1, 3);
    }
}
