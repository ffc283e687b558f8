package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every version records what made it: the job's settings, the seed, the checksum and shape of its rows, the
 * service's version and commit. It is shown with the version, travels in the exported file, and the same
 * provenance trains the same weights.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProvenanceApiTest extends ApiTestSupport {

    private JsonNode trainOnIris(String datasetId, long seed) {
        String modelId = createModel(4, "cross_entropy", seed, layer(8, "tanh"), layer(3, "softmax")).get("id").asString();
        JsonNode job = awaitEnd(train(obj("modelId", modelId, "datasetId", datasetId, "validationSplit", 0.2,
                "epochs", 15, "batchSize", 16, "shuffleSeed", 99,
                "optimizer", obj("type", "adam", "learningRate", 0.01))).get("id").asString(), Duration.ofMinutes(2));
        assertThat(status(job)).isEqualTo("SUCCEEDED");
        return get("/models/" + modelId).json();
    }

    /** CRC-32C of rows as little-endian float32: the features, then the targets one-hot, of the given rows. */
    private static String crc(List<String[]> rows, int[] which, int features, int classes) {
        ByteBuffer bytes = ByteBuffer.allocate(which.length * (features + classes) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int r : which) {
            for (int c = 0; c < features; c++) {
                bytes.putFloat(Float.parseFloat(rows.get(r)[c]));
            }
        }
        for (int r : which) {
            int label = (int) Double.parseDouble(rows.get(r)[features]);
            for (int k = 0; k < classes; k++) {
                bytes.putFloat(k == label ? 1f : 0f);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.flip());
        return Long.toHexString(crc.getValue());
    }

    @Test
    void aVersionRecordsWhatMadeItAndTheSameProvenanceTrainsTheSameWeights() throws Exception {
        byte[] csv = Files.readAllBytes(TestDatasets.file("iris/iris.csv"));
        Reply uploaded = send(HttpRequest.newBuilder(uri("/datasets?name=iris")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofByteArray(csv)));
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(201);
        String datasetId = uploaded.json().get("id").asString();

        JsonNode model = trainOnIris(datasetId, 7);
        JsonNode provenance = model.get("versions").get(0).get("provenance");
        assertThat(provenance.get("seed").asLong()).isEqualTo(7);
        assertThat(provenance.get("jobId").asString()).isEqualTo(model.get("versions").get(0).get("jobId").asString());
        JsonNode config = provenance.get("settings").get("config");
        assertThat(config.get("epochs").asInt()).isEqualTo(15);
        assertThat(config.get("batchSize").asInt()).isEqualTo(16);
        assertThat(provenance.get("settings").get("validationSplit").get("fraction").asDouble()).isEqualTo(0.2);
        assertThat(provenance.get("service").get("version").asString()).isNotBlank();
        assertThat(provenance.get("service").get("commit").asString()).matches("[0-9a-f]{40}");

        // the rows' checksum and shape, computed here from the CSV and the same split of its 150 rows
        List<String[]> rows = new ArrayList<>();
        for (String line : new String(csv).lines().skip(1).toList()) {
            rows.add(line.split(","));
        }
        DatasetSplit split = DatasetSplit.random(150, 0.2, provenance.get("settings").get("validationSplit").get("seed").asLong());
        JsonNode training = provenance.get("training");
        assertThat(training.get("source").asString()).isEqualTo("dataset");
        assertThat(training.get("datasetId").asString()).isEqualTo(datasetId);
        assertThat(training.get("rows").asInt()).isEqualTo(120);
        assertThat(training.get("features").asInt()).isEqualTo(4);
        assertThat(training.get("targets").asInt()).isEqualTo(3);
        assertThat(training.get("crc32c").asString()).isEqualTo(crc(rows, split.trainRows(), 4, 3));
        assertThat(provenance.get("validation").get("rows").asInt()).isEqualTo(30);
        assertThat(provenance.get("validation").get("crc32c").asString()).isEqualTo(crc(rows, split.testRows(), 4, 3));

        // the same settings, seed and rows: the same provenance (but the job) and the same weights
        JsonNode again = trainOnIris(datasetId, provenance.get("seed").asLong());
        ObjectNode first = (ObjectNode) provenance.deepCopy();
        ObjectNode second = (ObjectNode) again.get("versions").get(0).get("provenance").deepCopy();
        first.remove("jobId");
        second.remove("jobId");
        assertThat(second).isEqualTo(first);
        List<List<Double>> instances = new ArrayList<>();
        for (String[] row : rows) {
            instances.add(List.of(Double.valueOf(row[0]), Double.valueOf(row[1]), Double.valueOf(row[2]), Double.valueOf(row[3])));
        }
        JsonNode predictedFirst = post("/models/" + model.get("id").asString() + "/predict", obj("instances", instances)).json();
        JsonNode predictedAgain = post("/models/" + again.get("id").asString() + "/predict", obj("instances", instances)).json();
        assertThat(predictedAgain.get("predictions")).isEqualTo(predictedFirst.get("predictions"));

        // it travels in the exported file, and the imported version keeps it, saying where it came from
        HttpResponse<byte[]> exported = http().exchange(HttpRequest.newBuilder(uri("/models/" + model.get("id").asString()
                + "/versions/1/export")), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(exported.statusCode()).isEqualTo(200);
        Reply imported = send(HttpRequest.newBuilder(uri("/models/import")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(exported.body())));
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        JsonNode importedProvenance = imported.json().get("versions").get(0).get("provenance");
        assertThat(importedProvenance.get("settings")).isEqualTo(provenance.get("settings"));
        assertThat(importedProvenance.get("training")).isEqualTo(training);
        assertThat(importedProvenance.get("importedFrom").get("modelId").asString()).isEqualTo(model.get("id").asString());
        assertThat(importedProvenance.get("importedFrom").get("version").asInt()).isEqualTo(1);

        // and in the ONNX file's metadata_props, as JSON text
        HttpResponse<byte[]> onnx = http().exchange(HttpRequest.newBuilder(uri("/models/" + model.get("id").asString()
                + "/versions/1/export?format=onnx")), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(onnx.statusCode()).isEqualTo(200);
        try (ai.onnxruntime.OrtSession session = ai.onnxruntime.OrtEnvironment.getEnvironment()
                .createSession(onnx.body(), new ai.onnxruntime.OrtSession.SessionOptions())) {
            JsonNode inOnnx = JSON.readTree(session.getMetadata().getCustomMetadata().get("provenance"));
            assertThat(inOnnx).isEqualTo(provenance);
        }
    }
}
