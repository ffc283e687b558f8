package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.ModelFile;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.testhttp.Reply;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Maxout layers over HTTP with chainrule.limits.max-pieces at 4: defined (every mistake named by its field, the limit
 * at its edge), trained on a real dataset to a held-out accuracy, shown, exported and imported with identical
 * predictions.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "chainrule.limits.max-pieces=4")
class MaxoutApiTest extends ApiTestSupport {

    private static java.util.Map<String, Object> maxout(int units, Integer pieces) {
        return obj("units", units, "activation", "maxout", "pieces", pieces);
    }

    @Test
    void piecesAreValidatedByFieldAndLimitedAtTheConfiguredEdge() {
        assertProblem(post("/models", obj("inputWidth", 4, "layers", List.of(maxout(8, null), layer(3, "softmax")),
                "loss", "cross_entropy")), 400, "invalid-request", "layers[0].pieces");
        JsonNode one = assertProblem(post("/models", obj("inputWidth", 4, "layers", List.of(maxout(8, 1), layer(3, "softmax")),
                "loss", "cross_entropy")), 400, "invalid-request", "layers[0].pieces");
        assertThat(one.get("errors").get(0).get("reason").asString()).isEqualTo("must be between 2 and 4 (chainrule.limits.max-pieces), got 1");
        JsonNode five = assertProblem(post("/models", obj("inputWidth", 4, "layers", List.of(maxout(8, 5), layer(3, "softmax")),
                "loss", "cross_entropy")), 400, "invalid-request", "layers[0].pieces");
        assertThat(five.get("errors").get(0).get("reason").asString()).contains("got 5");
        assertProblem(post("/models", obj("inputWidth", 4, "layers", List.of(obj("units", 8, "activation", "relu", "pieces", 2),
                layer(3, "softmax")), "loss", "cross_entropy")), 400, "invalid-request", "layers[0].pieces");
        JsonNode four = createModel(obj("inputWidth", 4, "layers", List.of(maxout(8, 4), layer(3, "softmax")), "loss", "cross_entropy"));
        assertThat(four.get("layers").get(0).toString()).isEqualTo("{\"units\":8,\"activation\":\"maxout\",\"pieces\":4}");
        assertThat(four.get("layers").get(1).has("pieces")).isFalse();
        assertThat(four.get("parameterCount").asLong()).isEqualTo((4 + 1) * 8 * 4 + (8 + 1) * 3);
        delete("/models/" + four.get("id").asString());
    }

    /** A model file whose maxout layer has more pieces than this service allows is refused from its header. */
    @Test
    void anImportOverThePiecesLimitIsRefused() throws Exception {
        NetworkDefinition definition = new NetworkDefinition(3, List.of(LayerSpec.maxout(2, 5), new LayerSpec(1, Activation.LINEAR)),
                LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ModelFile.write(new TrainedModel(Network.initialised(definition, 1), null), file);
        Reply refused = send(HttpRequest.newBuilder(uri("/models/import")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(file.toByteArray())));
        JsonNode problem = assertProblem(refused, 400, "invalid-request", "body");
        assertThat(problem.get("errors").get(0).get("reason").asString()).contains("5 pieces").contains("chainrule.limits.max-pieces");
    }

    /** Breast cancer (569 rows, 30 features) through a maxout hidden layer: most held-back rows right. */
    @Test
    void aMaxoutNetworkLearnsBreastCancerAndTravelsAsAFile() throws Exception {
        TestData.Table[] parts = TestData.load("breast_cancer/breast_cancer.csv").split(0.3, 11);
        TestData.Table train = parts[0];
        TestData.Table heldBack = parts[1];
        String id = createModel(obj("name", "maxout-cancer", "inputWidth", 30, "layers", List.of(maxout(8, 3), layer(1, "logistic")),
                "loss", "log_loss", "seed", 5)).get("id").asString();
        JsonNode end = awaitEnd(train(obj("modelId", id, "data", data(train.features(), train.labels()), "epochs", 30,
                "batchSize", 32, "shuffleSeed", 3, "optimizer", obj("type", "adam", "learningRate", 0.01))).get("id").asString(),
                Duration.ofMinutes(2));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        JsonNode history = end.get("history");
        assertThat(history.get(history.size() - 1).get("trainingLoss").asDouble()).isLessThan(history.get(0).get("trainingLoss").asDouble() / 2);

        JsonNode predictions = post("/models/" + id + "/predict", obj("instances", heldBack.features())).json().get("predictions");
        int[] labels = heldBack.labels();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += predictions.get(i).get("decision").asInt() == labels[i] ? 1 : 0;
        }
        assertThat((double) correct / labels.length).as("held-back accuracy").isGreaterThanOrEqualTo(0.93);

        // saved and loaded: the exported file imports as a model that predicts exactly the same
        HttpResponse<byte[]> exported = http().exchange(HttpRequest.newBuilder(uri("/models/" + id + "/versions/1/export"))
                .timeout(REQUEST_TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(exported.statusCode()).isEqualTo(200);
        Reply imported = send(HttpRequest.newBuilder(uri("/models/import")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(exported.body())));
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        assertThat(imported.json().get("layers").get(0).get("pieces").asInt()).isEqualTo(3);
        JsonNode again = post("/models/" + imported.json().get("id").asString() + "/predict", obj("instances", heldBack.features()))
                .json().get("predictions");
        assertThat(again).isEqualTo(predictions);
    }
}
