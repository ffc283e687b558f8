package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client sends predict rows as float32 ({@code application/octet-stream}); against the real service, its
 * answers are those of the same rows sent as JSON, and what cannot go as float32 rows is refused before sending.
 */
@ExtendWith(LiveService.Extension.class)
class Float32PredictTest {
    /** Reads the client's records back as JSON the way the service writes them: absent members left out. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .changeDefaultPropertyInclusion(inclusion -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();
    private static Iris iris;
    /** An iris model with two versions: 10 epochs, then 10 more from version 1. */
    private static Model model;
    /** The 150 iris rows and 50 of random doubles with more digits than a float32 holds. */
    private static double[][] rows;

    @BeforeAll
    static void trainTwoVersions(LiveService service) throws IOException {
        iris = Iris.load();
        ChainruleClient chainrule = service.admin();
        model = chainrule.createModel(Iris.model("iris-float32"));
        assertEquals(JobStatus.SUCCEEDED, chainrule.waitForJob(chainrule.train(iris.training(model.id(), 10)).id(),
                Duration.ofMinutes(3)).status());
        TrainRequest more = TrainRequest.builder(model.id()).data(InlineData.ofClasses(iris.features(), iris.classes()))
                .epochs(10).batchSize(16).optimizer(Optimizer.adam(0.01)).continueFrom(1).build();
        Job second = chainrule.waitForJob(chainrule.train(more).id(), Duration.ofMinutes(3));
        assertEquals(2, second.version());

        Random random = new Random(7);
        rows = Arrays.copyOf(iris.features(), 200);
        for (int r = 150; r < rows.length; r++) {
            rows[r] = random.doubles(4, -1, 9).toArray();
        }
        assertTrue((float) rows[199][0] != rows[199][0], "the random values are not float32 values");
    }

    @Test
    void predictionsAreThoseOfTheSameRowsSentAsJson(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();
        JsonNode latest = tree(chainrule.predict(model.id(), rows));
        assertSameAnswer(jsonPredict(service, rows, null), latest);
        assertEquals(2, latest.get("version").asInt(), "the latest version without one given");
        assertEquals(200, latest.get("predictions").size());

        JsonNode first = tree(chainrule.predict(model.id(), rows, 1));
        assertSameAnswer(jsonPredict(service, rows, 1), first);
        assertEquals(1, first.get("version").asInt());
        assertNotEquals(first.get("predictions"), latest.get("predictions"), "versions 1 and 2 predict differently");
        assertSameAnswer(latest, tree(chainrule.predict(model.id(), rows, 2)));

        NotFoundException missing = assertThrows(NotFoundException.class, () -> chainrule.predict(model.id(), rows, 3));
        assertEquals(404, missing.status());
        assertEquals("/problems/not-found", missing.type());
        assertThrows(NotFoundException.class, () -> chainrule.predict(model.id(), new float[]{5.1f, 3.5f, 1.4f, 0.2f}, 4, 3));
    }

    @Test
    void float32RowsPredictAsTheDoubleRowsCastToFloat(LiveService service) {
        ChainruleClient chainrule = service.admin();
        float[] rowMajor = new float[rows.length * 4];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < 4; c++) {
                rowMajor[r * 4 + c] = (float) rows[r][c];
            }
        }
        assertSameAnswer(tree(chainrule.predict(model.id(), rows, null)), tree(chainrule.predict(model.id(), rowMajor, 4, null)));
        assertSameAnswer(tree(chainrule.predict(model.id(), rows, 1)), tree(chainrule.predict(model.id(), rowMajor, 4, 1)));
    }

    @Test
    void rowsThatCannotGoAsFloat32AreRefusedBeforeAnyRequest() throws IOException {
        // nothing listens there: a request that was sent would fail as a transport error instead
        ChainruleClient nowhere = ChainruleClient.builder().baseUrl(closedPort()).connectTimeout(Duration.ofSeconds(5)).build();
        String id = "c0ffee00-0000-4000-8000-000000000000";

        refused("rows needs at least one row of values, got null", () -> nowhere.predict(id, (double[][]) null));
        refused("rows needs at least one row of values, got none", () -> nowhere.predict(id, new double[0][]));
        refused("rows[0] is null", () -> nowhere.predict(id, new double[][]{null, {1, 2}}));
        refused("rows[0] has no values", () -> nowhere.predict(id, new double[][]{{}}));
        refused("rows[1] is null", () -> nowhere.predict(id, new double[][]{{1, 2}, null}));
        refused("rows[2] has 3 values but rows[0] has 2", () -> nowhere.predict(id, new double[][]{{1, 2}, {3, 4}, {5, 6, 7}}));
        refused("rows[1][0] is NaN", () -> nowhere.predict(id, new double[][]{{1, 2}, {Double.NaN, 4}}));
        refused("rows[0][1] is Infinity", () -> nowhere.predict(id, new double[][]{{1, Double.POSITIVE_INFINITY}}));
        refused("rows[0][0] is -1.0E39, which does not fit a float32", () -> nowhere.predict(id, new double[][]{{-1e39, 0}}));

        // the first double a float cast turns into infinity, and the one below it, which becomes Float.MAX_VALUE
        double overflows = (double) Float.MAX_VALUE + Math.ulp(Float.MAX_VALUE) / 2;
        assertEquals(Float.POSITIVE_INFINITY, (float) overflows);
        assertEquals(Float.MAX_VALUE, (float) Math.nextDown(overflows));
        refused("rows[0][1] is " + overflows + ", which does not fit a float32",
                () -> nowhere.predict(id, new double[][]{{0, overflows}}));
        assertThrows(ChainruleTransportException.class, () -> nowhere.predict(id, new double[][]{{0, Math.nextDown(overflows)}}),
                "a value that rounds to a float32 is sent, as the service takes it in JSON");

        refused("rowMajor needs at least one row of values, got null", () -> nowhere.predict(id, null, 4, null));
        refused("rowMajor needs at least one row of values, got none", () -> nowhere.predict(id, new float[0], 4, null));
        refused("rowMajor has 6 values, not a whole number of rows of 4", () -> nowhere.predict(id, new float[6], 4, null));
        refused("rowMajor has 4 values, not a whole number of rows of 0", () -> nowhere.predict(id, new float[4], 0, null));
        refused("row 1, column 2 (rowMajor[6]) is NaN",
                () -> nowhere.predict(id, new float[]{0, 0, 0, 0, 0, 0, Float.NaN, 0}, 4, null));
        refused("row 0, column 0 (rowMajor[0]) is -Infinity",
                () -> nowhere.predict(id, new float[]{Float.NEGATIVE_INFINITY, 0}, 2, null));
        assertThrows(ChainruleTransportException.class, () -> nowhere.predict(id, new float[]{Float.MAX_VALUE, 0}, 2, null));
    }

    @Test
    void theServicesRefusalsArriveTypedNamingTheBody(LiveService service) {
        ChainruleClient chainrule = service.admin();
        int limit = LiveService.MAX_PREDICT_ROWS;
        double[][] atLimit = new double[limit][];
        double[][] overLimit = new double[limit + 1][];
        for (int r = 0; r <= limit; r++) {
            overLimit[r] = iris.features()[r % 150];
        }
        System.arraycopy(overLimit, 0, atLimit, 0, limit);
        assertEquals(limit, chainrule.predict(model.id(), atLimit).predictions().size());
        ValidationException tooMany = assertThrows(ValidationException.class, () -> chainrule.predict(model.id(), overLimit));
        assertEquals(400, tooMany.status());
        assertEquals("/problems/invalid-request", tooMany.type());
        assertEquals("has " + (limit + 1) + " rows; at most " + limit + " are allowed (chainrule.limits.max-predict-rows)",
                tooMany.problem().reasonFor("body"));

        ValidationException notWholeRows = assertThrows(ValidationException.class,
                () -> chainrule.predict(model.id(), new double[][]{{5.1, 3.5, 1.4}}));
        assertEquals(400, notWholeRows.status());
        assertTrue(notWholeRows.problem().reasonFor("body").startsWith("has 12 bytes, not a whole number of rows of 4 float32"),
                notWholeRows.problem().reasonFor("body"));

        // 2 rows of 2 are 16 bytes, one row of the model's 4: the client says it sent 2 rows, so the service refuses
        ValidationException wrongWidth = assertThrows(ValidationException.class,
                () -> chainrule.predict(model.id(), new double[][]{{5.1, 3.5}, {1.4, 0.2}}));
        assertEquals(400, wrongWidth.status());
        assertEquals("is 2, but the body holds 1 row of 4 float32 values (the model's inputWidth; 16 bytes)",
                wrongWidth.problem().reasonFor("rows"));
        ValidationException wrongWidthFloats = assertThrows(ValidationException.class,
                () -> chainrule.predict(model.id(), new float[]{5.1f, 3.5f, 1.4f, 0.2f}, 2, null));
        assertEquals(wrongWidth.problem().reasonFor("rows"), wrongWidthFloats.problem().reasonFor("rows"));
    }

    private static void refused(String messageStart, Executable call) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call, messageStart);
        assertTrue(refused.getMessage().startsWith(messageStart), () -> "'" + refused.getMessage() + "' starts with '" + messageStart + "'");
    }

    /** Equal JSON; a difference is reported by its member, or by the first prediction that differs. */
    private static void assertSameAnswer(JsonNode expected, JsonNode actual) {
        for (String member : List.of("modelId", "version", "task")) {
            assertEquals(expected.get(member), actual.get(member), member);
        }
        assertEquals(expected.get("predictions").size(), actual.get("predictions").size(), "predictions");
        for (int i = 0; i < expected.get("predictions").size(); i++) {
            assertEquals(expected.get("predictions").get(i), actual.get("predictions").get(i), "predictions[" + i + "]");
        }
        assertEquals(expected, actual, "nothing else differs either");
    }

    private static JsonNode tree(Predictions predictions) {
        return JSON.valueToTree(predictions);
    }

    /** POST /models/{id}/predict with a JSON body written here, its answer read as it came. */
    private static JsonNode jsonPredict(LiveService service, double[][] instances, Integer version) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instances", instances);
        if (version != null) {
            body.put("version", version);
        }
        HttpRequest request = HttpRequest.newBuilder(service.baseUrl.resolve("/models/" + model.id() + "/predict"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + service.adminKey)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
