package dev.chainrule.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The packaged service as a separate JVM, killed with SIGKILL in the middle of a training job and started again on
 * the same data directory: the job comes back by itself and finishes with the weights of an uninterrupted run, and
 * every model, version and dataset is intact. Runs in Maven's integration-test phase, after the jar is built.
 */
class CrashRecoveryIT {
    private final Path dataDir = Path.of("target", "it-data", UUID.randomUUID().toString()).toAbsolutePath();
    private Process service;
    private TestHttp http;

    @AfterEach
    void stop() {
        if (service != null) {
            service.destroyForcibly();
        }
    }

    private void startService() throws Exception {
        String jar = System.getProperty("chainrule.jar");
        assertThat(jar).as("system property chainrule.jar (set by the failsafe configuration in pom.xml)").isNotBlank();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        http = TestHttp.at(port);
        Files.createDirectories(dataDir);
        Path log = dataDir.resolve("service-" + System.nanoTime() + ".log");
        service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-jar", jar, "--server.address=127.0.0.1", "--server.port=" + port, "--chainrule.data-dir=" + dataDir,
                "--chainrule.jobs.workers=1",
                // a checkpoint after every epoch, so that the epochs seen before the kill are known to be durable
                "--chainrule.jobs.checkpoint-interval=0s")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            assertThat(service.isAlive()).as("the service exited; its log: " + log).isTrue();
            try {
                if (http.get("/actuator/health/readiness").status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("ready within 3 minutes; log: " + log).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private JsonNode call(String method, String path, Object body, int expected) throws Exception {
        Reply response = http.call(method, path, body);
        assertThat(response.status()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
        return response.body().isEmpty() ? null : response.json();
    }

    private JsonNode awaitJob(String id, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        while (true) {
            JsonNode job = call("GET", "/jobs/" + id, null, 200);
            if (condition.test(job)) {
                return job;
            }
            assertThat(job.path("status").asString()).as("job " + id + " while waiting for " + what).isIn("QUEUED", "RUNNING");
            assertThat(System.nanoTime()).as("job " + id + " " + what + " in time: " + job).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private Map<String, Object> defineIris(String name) {
        return Map.of("name", name, "inputWidth", 4, "layers", List.of(Map.of("units", 16, "activation", "tanh"),
                Map.of("units", 3, "activation", "softmax")), "loss", "cross_entropy", "seed", 21);
    }

    private Map<String, Object> trainIris(String modelId, List<double[]> features, List<Integer> species, int epochs) {
        return trainIris(modelId, "data", Map.of("features", features, "targets", species), epochs);
    }

    /** @param source "data" with inline rows, or "datasetId" with an uploaded dataset's id */
    private Map<String, Object> trainIris(String modelId, String source, Object data, int epochs) {
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("modelId", modelId);
        train.put(source, data);
        train.put("validationSplit", 0.2);
        train.put("epochs", epochs);
        train.put("batchSize", 1);
        train.put("optimizer", Map.of("type", "adam", "learningRate", 0.002));
        train.put("shuffleSeed", 3);
        return train;
    }

    @Test
    void aServiceKilledMidTrainingComesBackWithEverythingAndFinishesTheJob() throws Exception {
        List<double[]> features = new ArrayList<>();
        List<Integer> species = new ArrayList<>();
        for (String line : Files.readAllLines(TestDatasets.file("iris/iris.csv")).subList(1, 151)) {
            String[] cells = line.split(",");
            features.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[1]),
                    Double.parseDouble(cells[2]), Double.parseDouble(cells[3])});
            species.add(Integer.parseInt(cells[4].trim()));
        }
        Map<String, Object> predictAll = Map.of("instances", features);
        startService();

        // a model trained before the crash, and its predictions
        String done = call("POST", "/models", defineIris("trained before"), 201).path("id").asString();
        String first = call("POST", "/train", trainIris(done, features, species, 3), 202).path("id").asString();
        awaitJob(first, j -> j.path("status").asString().equals("SUCCEEDED"), "to succeed");
        JsonNode predictionsBefore = call("POST", "/models/" + done + "/predict", predictAll, 200).path("predictions");

        // an uploaded dataset
        Reply uploaded = http.postCsv("/datasets?name=iris&target=species", TestDatasets.file("iris/iris.csv"));
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(201);
        JsonNode dataset = uploaded.json();
        String datasetId = dataset.path("id").asString();

        // a long job on that dataset, killed in its middle
        String crashed = call("POST", "/models", defineIris("crashed"), 201).path("id").asString();
        String jobId = call("POST", "/train", trainIris(crashed, "datasetId", datasetId, 80), 202).path("id").asString();
        JsonNode seen = awaitJob(jobId, j -> j.path("history").size() >= 4, "to run four epochs");
        service.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful anything
        assertThat(service.waitFor(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(service.exitValue()).isEqualTo(137); // 128 + SIGKILL

        startService();
        JsonNode models = call("GET", "/models?size=100", null, 200);
        assertThat(models.path("items").findValuesAsString("id")).containsExactly(done, crashed);
        assertThat(call("POST", "/models/" + done + "/predict", predictAll, 200).path("predictions")).isEqualTo(predictionsBefore);
        assertThat(call("GET", "/jobs/" + first, null, 200).path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(call("GET", "/datasets/" + datasetId, null, 200)).isEqualTo(dataset);

        JsonNode resumed = awaitJob(jobId, j -> j.path("status").asString().equals("SUCCEEDED"), "to succeed after the restart");
        assertThat(resumed.path("history")).hasSize(80);
        // epochs whose checkpoint was on disk before the kill were not run again: their reports are the ones seen
        int durable = seen.path("history").size() - 1;
        for (int e = 0; e < durable; e++) {
            assertThat(resumed.path("history").get(e)).as("epoch " + (e + 1)).isEqualTo(seen.path("history").get(e));
        }

        // the same job never interrupted ends with the same network: identical predictions
        String straight = call("POST", "/models", defineIris("uninterrupted"), 201).path("id").asString();
        String straightJob = call("POST", "/train", trainIris(straight, "datasetId", datasetId, 80), 202).path("id").asString();
        awaitJob(straightJob, j -> j.path("status").asString().equals("SUCCEEDED"), "to succeed");
        assertThat(call("POST", "/models/" + crashed + "/predict", predictAll, 200).path("predictions"))
                .isEqualTo(call("POST", "/models/" + straight + "/predict", predictAll, 200).path("predictions"));
    }
}
