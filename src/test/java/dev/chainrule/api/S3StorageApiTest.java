package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.storage.S3ProxyServer;
import dev.chainrule.testhttp.Reply;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The whole service over HTTP with its arrays in an S3-compatible bucket (s3proxy, its own process): a dataset
 * uploaded, a model trained on it, predictions, export and import, deletions; every object is in the bucket under
 * the configured prefix, none under the data directory's models/ or datasets/.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "chainrule.jobs.workers=1")
@DirtiesContext
class S3StorageApiTest extends ApiTestSupport {
    private static final String PREFIX = "chainrule-service/";
    private static S3ProxyServer server;

    @Autowired
    ChainruleProperties properties;

    @DynamicPropertySource
    static void bucket(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("s3proxy-api-test");
        server = S3ProxyServer.start(dir);
        S3ProxyServer.useCredentialsInThisJvm();
        server.settings(S3ProxyServer.BUCKET, PREFIX).forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    private List<String> objects() {
        return server.keys(S3ProxyServer.BUCKET).stream().filter(key -> key.startsWith(PREFIX))
                .map(key -> key.substring(PREFIX.length())).sorted().toList();
    }

    private List<Path> localFiles(String dir) throws IOException {
        Path path = properties.dataDir().resolve(dir);
        if (!Files.exists(path)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aDatasetTrainsAModelWhoseVersionsPredictExportImportAndGoAwayAllInTheBucket() throws Exception {
        TestData.Table[] parts = TestData.load("iris/iris.csv").split(0.3, 2);
        JsonNode dataset = DatasetApiTest.created(send(HttpRequest.newBuilder(uri("/datasets?name=iris-train"))
                .header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(DatasetApiTest.csv(parts[0])))));
        String datasetId = dataset.get("id").asString();
        assertThat(objects()).containsExactly("datasets/" + datasetId + ".bin");
        assertThat(server.client().headObject(b -> b.bucket(S3ProxyServer.BUCKET).key(PREFIX + "datasets/" + datasetId + ".bin"))
                .contentLength()).isEqualTo(dataset.get("sizeBytes").asLong());

        String modelId = createModel(obj("name", "iris", "inputWidth", 4,
                "layers", List.of(layer(16, "tanh"), layer(3, "softmax")), "loss", "cross_entropy", "seed", 7)).get("id").asString();
        JsonNode end = awaitEnd(train(obj("modelId", modelId, "datasetId", datasetId, "epochs", 60, "batchSize", 8,
                "shuffleSeed", 3, "optimizer", obj("type", "adam", "learningRate", 0.02))).get("id").asString(), Duration.ofSeconds(120));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(objects()).hasSize(2).contains("datasets/" + datasetId + ".bin")
                .anyMatch(key -> key.matches("models/" + modelId + "/[0-9a-f-]{36}\\.model"));

        Reply predicted = post("/models/" + modelId + "/predict", obj("instances", parts[1].features()));
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
        assertThat(LearningApiTest.accuracy(predicted.json(), parts[1].labels())).isGreaterThanOrEqualTo(0.9);

        HttpResponse<byte[]> exported = http().exchange(HttpRequest.newBuilder(uri("/models/" + modelId + "/versions/1/export"))
                .timeout(REQUEST_TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(exported.statusCode()).isEqualTo(200);
        Reply imported = send(HttpRequest.newBuilder(uri("/models/import")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(exported.body())));
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        String importedId = imported.json().get("id").asString();
        assertThat(post("/models/" + importedId + "/predict", obj("instances", parts[1].features())).json().get("predictions"))
                .as("the imported version, read back from the bucket, predicts to the last bit")
                .isEqualTo(predicted.json().get("predictions"));
        assertThat(objects()).hasSize(3).anyMatch(key -> key.startsWith("models/" + importedId + "/"));
        assertThat(localFiles("models")).as("no model file under the data directory").isEmpty();
        assertThat(localFiles("datasets")).as("no dataset file under the data directory").isEmpty();

        assertThat(delete("/models/" + modelId).status()).isEqualTo(204);
        assertThat(delete("/models/" + importedId).status()).isEqualTo(204);
        assertThat(objects()).containsExactly("datasets/" + datasetId + ".bin");
        assertThat(localFiles("cache")).as("the dataset's download, kept for the next job").hasSize(1);
        assertThat(delete("/datasets/" + datasetId).status()).isEqualTo(204);
        assertThat(objects()).isEmpty();
        assertThat(localFiles("cache")).as("a deleted object's download goes with it").isEmpty();
    }
}
