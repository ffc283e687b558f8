package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.ModelFile;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.testhttp.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Export and import over real HTTP, at the size limits: a model file may be larger than the general request limit
 * (here 64KB) as long as the model fits chainrule.limits.max-parameters; the import's own limit (that many
 * parameters as float64, plus 16MB) is refused from the declared Content-Length; an imported model over a limit is
 * refused naming it, before its arrays are allocated.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.limits.max-request-size=64KB", "chainrule.limits.max-parameters=30000"})
class ModelImportApiTest extends ApiTestSupport {
    private static final long IMPORT_LIMIT = 30000L * 8 + (16L << 20);

    private byte[] download(String path) throws Exception {
        HttpResponse<byte[]> response = http().exchange(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(1)),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
        return response.body();
    }

    private Reply upload(byte[] file) {
        return send(HttpRequest.newBuilder(uri("/models/import")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)));
    }

    /** A trained 1100 -> 16 -> 10 model: 17,786 parameters, a model file of about 71KB. */
    private String trainedWideModel() {
        String id = createModel(1100, "cross_entropy", 3, layer(16, "relu"), layer(10, "softmax")).get("id").asString();
        SplittableRandom random = new SplittableRandom(4);
        List<double[]> rows = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // two decimals keep the request under the 64KB general limit
            rows.add(random.doubles(1100).map(v -> Math.round(v * 100) / 100.0).toArray());
            classes.add(i);
        }
        String job = train(obj("modelId", id, "data", data(rows, classes), "epochs", 1)).get("id").asString();
        assertThat(status(awaitEnd(job, Duration.ofMinutes(2)))).isEqualTo("SUCCEEDED");
        return id;
    }

    @Test
    void aModelFileOverTheGeneralLimitImportsWithIdenticalPredictions() throws Exception {
        String id = trainedWideModel();
        byte[] file = download("/models/" + id + "/versions/1/export");
        assertThat(file.length).isGreaterThan(64 * 1024);

        Reply imported = upload(file);
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        String copy = imported.json().get("id").asString();
        List<double[]> instances = List.of(new SplittableRandom(9).doubles(1100).toArray());
        JsonNode expected = post("/models/" + id + "/predict", obj("instances", instances)).json().get("predictions");
        assertThat(post("/models/" + copy + "/predict", obj("instances", instances)).json().get("predictions")).isEqualTo(expected);
    }

    @Test
    void anImportDeclaredOverItsLimitIs413BeforeItIsRead() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /models/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + (IMPORT_LIMIT + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder read = new StringBuilder();
            byte[] buffer = new byte[4096];
            // the answer's status line, headers and problem body; the server need not close the connection
            while (!read.toString().contains("}")) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                read.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            String answer = read.toString();
            assertThat(answer).startsWith("HTTP/1.1 413");
            assertThat(answer).contains("limit of " + IMPORT_LIMIT + " bytes").contains("chainrule.limits.max-parameters");
        }
    }

    @Test
    void aModelOverTheParameterLimitIsRefusedNamingIt() throws Exception {
        String id = trainedWideModel();
        byte[] file = download("/models/" + id + "/versions/1/export");
        // the same file claiming 60 hidden units: 66,670 parameters, over the 30,000 allowed; refused from the header
        String text = new String(file, StandardCharsets.ISO_8859_1).replace("\"units\":16", "\"units\":60");
        Reply refused = upload(text.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().get("errors").get(0).get("field").asString()).isEqualTo("body");
        assertThat(refused.json().get("errors").get(0).get("reason").asString())
                .contains("66670 parameters").contains("chainrule.limits.max-parameters");
        Reply garbage = upload("CHAINRULE-MODEL\n????".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.json().get("errors").get(0).get("reason").asString()).startsWith("is not a Chainrule model file");
    }
    /**
     * A float64 model (imported: training makes float32 ones) predicts through the double-precision path, from a
     * JSON body the one-pass reader takes (its values array has room left after the rows).
     */
    @Test
    void anImportedFloat64ModelPredictsWhatItComputesInProcess() throws Exception {
        NetworkDefinition definition = new NetworkDefinition(40, List.of(new LayerSpec(12, Activation.TANH),
                new LayerSpec(3, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        Network network = Network.create(definition, DataType.DOUBLE, LossKind.DEFAULT_EPSILON);
        network.initialise(21);
        SplittableRandom random = new SplittableRandom(22);
        double[][] fit = new double[30][40];
        for (double[] row : fit) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextDouble(-2, 5);
            }
        }
        TrainedModel model = new TrainedModel(network, Standardiser.fit(Nd4j.create(fit)));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ModelFile.write(model, file);
        Reply imported = upload(file.toByteArray());
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);

        double[][] rows = new double[3][40];
        for (double[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = Math.round(random.nextDouble(-2, 5) * 1000) / 1000.0; // short decimals: the one-pass reader's
            }
        }
        JsonNode predictions = post("/models/" + imported.json().get("id").asString() + "/predict",
                obj("instances", rows)).json().get("predictions");
        float[][] asFloat = new float[rows.length][40];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < 40; i++) {
                asFloat[r][i] = (float) rows[r][i]; // each number as its nearest float32, as the service reads it
            }
        }
        double[][] expected = model.predict(Nd4j.create(asFloat).castTo(DataType.DOUBLE)).toDoubleMatrix();
        assertThat(predictions.size()).isEqualTo(rows.length);
        for (int r = 0; r < rows.length; r++) {
            for (int k = 0; k < 3; k++) {
                assertThat(predictions.get(r).get("outputs").get(k).asDouble()).as("row %d output %d", r, k)
                        .isCloseTo(expected[r][k], within(1e-6 * expected[r][k]));
            }
        }
    }
}
