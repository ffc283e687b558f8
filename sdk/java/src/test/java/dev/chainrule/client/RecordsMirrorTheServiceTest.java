package dev.chainrule.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The client reads answers leniently (a newer service may add fields); here the service's real answers are read
 * strictly into the client's records, so a field the records miss (or misspell) fails this test.
 */
@ExtendWith(LiveService.Extension.class)
class RecordsMirrorTheServiceTest {
    static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    @Test
    void everyFieldOfTheServicesAnswersHasAComponent(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Model model = chainrule.createModel(ModelDefinition.builder(4).name("strict").description("read strictly")
                .layer(8, Activation.TANH).layer(3, Activation.SOFTMAX).loss(Loss.CROSS_ENTROPY).build());
        Job job = chainrule.train(TrainRequest.builder(model.id())
                .data(InlineData.ofClasses(iris.features(), iris.classes())).validationSplit(0.2).epochs(3)
                .earlyStopping(EarlyStopping.patience(2)).build());
        assertEquals(JobStatus.SUCCEEDED, chainrule.waitForJob(job.id(), Duration.ofMinutes(3)).status());

        chainrule.setAlias(model.id(), "production", 1);
        chainrule.setDefaultAlias(model.id(), "production");
        Alias strictAlias = STRICT.readValue(get(service, "/models/" + model.id() + "/aliases/production"), Alias.class);
        assertEquals(chainrule.getAlias(model.id(), "production"), strictAlias);
        assertEquals(1, STRICT.readValue(get(service, "/models/" + model.id() + "/aliases"), AliasList.class).aliases().size());
        Predictions viaAlias = STRICT.readValue(post(service, "/models/" + model.id() + "/predict",
                "{\"instances\": [[5.1, 3.5, 1.4, 0.2]], \"version\": \"production\"}"), Predictions.class);
        assertEquals("production", viaAlias.alias());
        InputGradients strictGradients = STRICT.readValue(post(service, "/models/" + model.id() + "/input-gradients",
                "{\"instances\": [[5.1, 3.5, 1.4, 0.2]], \"targets\": [0]}"), InputGradients.class);
        assertEquals("production", strictGradients.alias());
        Model strictModel = STRICT.readValue(get(service, "/models/" + model.id()), Model.class);
        assertEquals("production", strictModel.defaultAlias());
        assertEquals(chainrule.getModel(model.id()), strictModel);
        assertEquals("read strictly", strictModel.description());
        Job strictJob = STRICT.readValue(get(service, "/jobs/" + job.id()), Job.class);
        assertEquals(3, strictJob.history().size());
        Predictions strictPredictions = STRICT.readValue(post(service, "/models/" + model.id() + "/predict",
                "{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}"), Predictions.class);
        assertEquals(1, strictPredictions.predictions().size());
        Dataset irisSet = chainrule.uploadDataset(iris.csv(), "strict-scores");
        Job scoring = chainrule.waitForJob(chainrule.score(model.id(), irisSet.id(), 1).id(), Duration.ofMinutes(3));
        Job strictScoring = STRICT.readValue(get(service, "/jobs/" + scoring.id()), Job.class);
        assertEquals(150, strictScoring.scoring().rowsScored());
        ScoringResult strictResult = STRICT.readValue(get(service, "/jobs/" + scoring.id() + "/result"), ScoringResult.class);
        assertEquals(chainrule.scoringResult(scoring.id()), strictResult);
        assertEquals(chainrule.access(), STRICT.readValue(get(service, "/access"), KeyAccess.class));
        STRICT.readValue(get(service, "/models?page=0&size=5"),
                STRICT.getTypeFactory().constructParametricType(Page.class, Model.class));
        STRICT.readValue(get(service, "/jobs?page=0&size=5"),
                STRICT.getTypeFactory().constructParametricType(Page.class, Job.class));
    }

    /** A maxout layer's pieces are a component of Layer too, and the builder's maxout layer is what the service keeps. */
    @Test
    void aMaxoutLayerReadsStrictly(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();
        Model model = chainrule.createModel(ModelDefinition.builder(4).name("maxout").maxout(6, 3)
                .layer(3, Activation.SOFTMAX).loss(Loss.CROSS_ENTROPY).build());
        assertEquals(java.util.List.of(Layer.maxout(6, 3), new Layer(3, Activation.SOFTMAX)), model.layers());
        assertEquals((4 + 1) * 6 * 3 + (6 + 1) * 3, model.parameterCount());
        assertEquals(model, STRICT.readValue(get(service, "/models/" + model.id()), Model.class));
    }

    static String get(LiveService service, String path) throws IOException, InterruptedException {
        return send(service, HttpRequest.newBuilder(service.baseUrl.resolve(path)).GET());
    }

    static String post(LiveService service, String path, String json) throws IOException, InterruptedException {
        return send(service, HttpRequest.newBuilder(service.baseUrl.resolve(path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static String send(LiveService service, HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                request.header("Authorization", "Bearer " + service.adminKey).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
