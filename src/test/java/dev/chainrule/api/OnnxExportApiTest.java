package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * ONNX export over real HTTP, checked by ONNX Runtime: every exported model loads and predicts within 1e-5 (relative
 * above 1) of what /predict answers for the same real rows, for every activation (maxout too), every loss and a float64
 * import.
 * Each exported file is kept in target/onnx-export/ for CI's second opinion (onnx.checker, .ci/run).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OnnxExportApiTest extends ApiTestSupport {
    static final Path EXPORTS = Path.of("target", "onnx-export");
    private static final double TOLERANCE = 1e-5;

    @Test
    void irisReluSoftmaxCrossEntropy() throws Exception {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String id = createModel(obj("name", "iris onnx", "inputWidth", 4, "layers", List.of(layer(8, "relu"), layer(3, "softmax")),
                "loss", "cross_entropy", "seed", 3)).get("id").asString();
        trainOn(id, iris.features(), iris.labels(), null);
        byte[] onnx = exportAndCompare(id, "iris-relu-softmax", iris.features());
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(onnx);
        assertThat(proto.getIrVersion()).isEqualTo(7);
        assertThat(proto.getOpsetImportList()).singleElement().satisfies(o -> assertThat(o.getVersion()).isEqualTo(13));
        assertThat(proto.getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList())
                .containsExactly("Sub", "Div", "Gemm", "Relu", "Gemm", "Softmax");
        assertThat(proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch");
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx, new OrtSession.SessionOptions())) {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            assertThat(props).containsEntry("name", "iris onnx").containsEntry("version", "1").containsKey("metrics");
            JsonNode version = get("/models/" + id).json().get("versions").get(0);
            assertThat(JSON.readTree(props.get("metrics"))).isEqualTo(version.get("metrics"));
            assertThat(Double.parseDouble(props.get("trainingLoss"))).isEqualTo(version.get("trainingLoss").asDouble());
            assertThat(session.getMetadata().getVersion()).isEqualTo(1);
        }
    }

    @Test
    void breastCancerTanhLogisticLogLoss() throws Exception {
        TestData.Table data = TestData.load("breast_cancer/breast_cancer.csv");
        String id = createModel(30, "log_loss", 5, layer(16, "tanh"), layer(1, "logistic")).get("id").asString();
        trainOn(id, data.features(), data.labels(), null);
        exportAndCompare(id, "breast-cancer-tanh-logistic", data.features());
    }

    @Test
    void concreteLogisticLinearSquaredError() throws Exception {
        TestData.Table data = TestData.load("concrete/concrete.csv");
        String id = createModel(8, "squared_error", 7, layer(16, "logistic"), layer(8, "linear"), layer(1, "linear"))
                .get("id").asString();
        trainOn(id, data.features(), data.targets(), null);
        exportAndCompare(id, "concrete-logistic-linear", data.features());
    }

    /** Without standardisation there is no Sub and Div: the first node is the first layer's Gemm. */
    @Test
    void diabetesUnstandardisedReluOutput() throws Exception {
        TestData.Table data = TestData.load("diabetes/diabetes.csv");
        String id = createModel(10, "squared_error", 9, layer(8, "tanh"), layer(1, "relu")).get("id").asString();
        trainOn(id, data.features(), data.targets(), false);
        byte[] onnx = exportAndCompare(id, "diabetes-unstandardised", data.features());
        assertThat(OnnxMl.ModelProto.parseFrom(onnx).getGraph().getNode(0).getOpType()).isEqualTo("Gemm");
    }

    /** Maxout hidden layer: Gemm to units x pieces, Reshape to [batch, units, pieces], ReduceMax over the pieces. */
    @Test
    void irisMaxoutHiddenLayer() throws Exception {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String id = createModel(obj("inputWidth", 4, "layers", List.of(obj("units", 6, "activation", "maxout", "pieces", 3),
                layer(3, "softmax")), "loss", "cross_entropy", "seed", 8)).get("id").asString();
        trainOn(id, iris.features(), iris.labels(), null);
        byte[] onnx = exportAndCompare(id, "iris-maxout", iris.features());
        assertThat(OnnxMl.ModelProto.parseFrom(onnx).getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList())
                .containsExactly("Sub", "Div", "Gemm", "Reshape", "ReduceMax", "Gemm", "Softmax");
    }

    /** A maxout output layer, after another maxout layer, on concrete. */
    @Test
    void concreteMaxoutOutput() throws Exception {
        TestData.Table data = TestData.load("concrete/concrete.csv");
        String id = createModel(obj("inputWidth", 8, "layers", List.of(obj("units", 10, "activation", "maxout", "pieces", 2),
                obj("units", 1, "activation", "maxout", "pieces", 4)), "loss", "squared_error", "seed", 9)).get("id").asString();
        trainOn(id, data.features(), data.targets(), null);
        exportAndCompare(id, "concrete-maxout-output", data.features());
    }

    /** A float64 model computes in float64 between a Cast in and a Cast out, as predict does. */
    @Test
    void anImportedFloat64Model() throws Exception {
        TestData.Table wine = TestData.load("wine/wine.csv");
        int width = wine.features()[0].length;
        NetworkDefinition definition = new NetworkDefinition(width, List.of(new LayerSpec(12, Activation.TANH),
                new LayerSpec(3, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        Network network = Network.create(definition, DataType.DOUBLE, LossKind.DEFAULT_EPSILON);
        network.initialise(21);
        TrainedModel model = new TrainedModel(network, Standardiser.fit(Nd4j.create(wine.features())));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ModelFile.write(model, file);
        Reply imported = send(HttpRequest.newBuilder(uri("/models/import?name=wine64")).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(file.toByteArray())));
        assertThat(imported.status()).as(imported.body()).isEqualTo(201);
        byte[] onnx = exportAndCompare(imported.json().get("id").asString(), "wine-float64", wine.features());
        List<String> ops = OnnxMl.ModelProto.parseFrom(onnx).getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList();
        assertThat(ops).containsExactly("Cast", "Sub", "Div", "Gemm", "Tanh", "Gemm", "Softmax", "Cast");
    }

    @Test
    void anUnknownFormatIs400NamingTheFieldAndAMissingVersion404() {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String id = createModel(4, "cross_entropy", 1, layer(3, "softmax")).get("id").asString();
        assertProblem(get("/models/" + id + "/versions/1/export?format=onnx"), 409, "model-not-trained");
        trainOn(id, iris.features(), iris.labels(), null);
        assertProblem(get("/models/" + id + "/versions/1/export?format=pmml"), 400, "invalid-request", "format");
        assertProblem(get("/models/" + id + "/versions/2/export?format=onnx"), 404, "not-found");
    }

    private void trainOn(String id, double[][] features, Object targets, Boolean standardize) {
        String job = train(obj("modelId", id, "data", data(features, targets), "epochs", 5, "batchSize", 32,
                "shuffleSeed", 4, "optimizer", obj("type", "adam", "learningRate", 0.01), "standardize", standardize))
                .get("id").asString();
        JsonNode end = awaitEnd(job, Duration.ofMinutes(2));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
    }

    /** Exports the latest version as ONNX, keeps the file, runs every row through ONNX Runtime and compares. */
    private byte[] exportAndCompare(String id, String fileName, double[][] rows) throws Exception {
        HttpResponse<byte[]> response = http().exchange(HttpRequest.newBuilder(uri("/models/" + id + "/versions/1/export?format=onnx"))
                .timeout(REQUEST_TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Disposition").orElse("")).endsWith("-v1.onnx\"");
        byte[] onnx = response.body();
        Files.createDirectories(EXPORTS);
        Files.write(EXPORTS.resolve(fileName + ".onnx"), onnx);

        JsonNode predictions = post("/models/" + id + "/predict", obj("instances", rows)).json().get("predictions");
        assertThat(predictions.size()).isEqualTo(rows.length);
        float[][] input = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            input[r] = new float[rows[r].length];
            for (int c = 0; c < rows[r].length; c++) {
                input[r][c] = (float) rows[r][c]; // as the service reads each number: its nearest float32
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor tensor = OnnxTensor.createTensor(env, input);
             OrtSession.Result result = session.run(Map.of("input", tensor))) {
            assertThat(session.getInputNames()).containsExactly("input");
            assertThat(session.getOutputNames()).containsExactly("output");
            float[][] outputs = (float[][]) result.get("output").orElseThrow().getValue();
            assertThat(outputs.length).isEqualTo(rows.length);
            double worst = 0;
            for (int r = 0; r < rows.length; r++) {
                JsonNode expected = predictions.get(r).get("outputs");
                assertThat(outputs[r].length).isEqualTo(expected.size());
                for (int k = 0; k < outputs[r].length; k++) {
                    double want = expected.get(k).asDouble();
                    double error = Math.abs(outputs[r][k] - want) / Math.max(1.0, Math.abs(want));
                    worst = Math.max(worst, error);
                    assertThat(error).as("row %d output %d: ONNX Runtime %s, /predict %s", r, k, outputs[r][k], want)
                            .isLessThanOrEqualTo(TOLERANCE);
                }
            }
            assertThat(Arrays.stream(outputs).allMatch(row -> row.length > 0)).isTrue();
            System.out.printf("%s: %d rows, largest difference from /predict %.3g%n", fileName, rows.length, worst);
        }
        return onnx;
    }
}
