package dev.chainrule.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Define, train, follow, predict and cancel through the client, against the real service. */
@ExtendWith(LiveService.Extension.class)
class TrainingRoundTripTest {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static Iris iris;

    @BeforeAll
    static void readIris() throws IOException {
        iris = Iris.load();
    }

    @Test
    void definesTrainsFollowsEveryEpochAndPredicts(LiveService service) {
        ChainruleClient chainrule = service.admin();

        Model model = chainrule.createModel(Iris.model("iris"));
        assertEquals("iris", model.name());
        assertEquals(4 * 16 + 16 + 16 * 3 + 3, model.parameterCount());
        assertEquals(List.of(new Layer(16, Activation.RELU), new Layer(3, Activation.SOFTMAX)), model.layers());
        assertEquals(Loss.CROSS_ENTROPY, model.loss());
        assertEquals(Initialiser.XAVIER, model.initialiser(), "the service's default initialiser");
        assertEquals(Model.TrainingState.UNTRAINED, model.trainingState());
        assertNull(model.latestVersion());

        Job queued = chainrule.train(iris.training(model.id(), 30));
        assertEquals(model.id(), queued.modelId());
        assertEquals(30, queued.epochs());
        assertEquals(30L * 8, queued.batchesPlanned(), "120 training rows in batches of 16 is 8 batches an epoch");

        List<Epoch> seen = new ArrayList<>();
        Job done = chainrule.waitForJob(queued.id(), seen::add, WAIT);

        assertEquals(JobStatus.SUCCEEDED, done.status(), () -> "job ended " + done.status() + ": " + done.failureReason());
        assertEquals(IntStream.rangeClosed(1, 30).boxed().toList(), seen.stream().map(Epoch::epoch).toList(),
                "the callback saw each epoch once, in order");
        assertEquals(done.history(), seen, "the callback's epochs are the job's history");
        assertEquals(1, done.version());
        assertEquals("completed", done.endReason());
        assertNotNull(done.finishedAt());
        assertEquals(seen.get(29).validationMetrics(), done.finalMetrics());

        Model trained = chainrule.getModel(model.id());
        assertEquals(Model.TrainingState.TRAINED, trained.trainingState());
        assertEquals(1, trained.latestVersion());
        assertEquals(queued.id(), trained.version(1).orElseThrow().jobId());

        Predictions predictions = chainrule.predict(model.id(), iris.features());
        assertEquals(Predictions.Task.CLASSIFICATION, predictions.task());
        assertEquals(1, predictions.version());
        assertEquals(150, predictions.predictions().size());
        double accuracy = iris.accuracy(predictions.classIndices());
        assertTrue(accuracy >= 0.9, "accuracy on the 150 rows " + accuracy);
        for (Predictions.Prediction p : predictions.predictions()) {
            int argMax = IntStream.range(0, 3).reduce((a, b) -> p.probabilities()[b] > p.probabilities()[a] ? b : a).orElseThrow();
            assertEquals(argMax, p.classIndex(), "the class index is the most probable class");
            assertEquals(1.0, p.probabilities()[0] + p.probabilities()[1] + p.probabilities()[2], 1e-5);
        }

        Predictions pinned = chainrule.predict(model.id(), iris.features(), 1);
        assertArrayEquals(predictions.classIndices(), pinned.classIndices());
        assertArrayEquals(predictions.predictions().get(0).outputs(), pinned.predictions().get(0).outputs());

        InputGradients gradients = chainrule.inputGradients(model.id(), new double[][]{iris.features()[0]}, List.of(0), null);
        assertEquals(1, gradients.gradients().length);
        assertEquals(4, gradients.gradients()[0].length);

        assertTrue(chainrule.listModels(0, 100).items().stream().anyMatch(m -> m.id().equals(model.id())));
        assertTrue(chainrule.listJobs(model.id(), JobStatus.SUCCEEDED, 0, 20).items().stream()
                .anyMatch(j -> j.id().equals(queued.id())));

        List<Epoch> replayed = new ArrayList<>();
        Job again = chainrule.waitForJob(queued.id(), replayed::add, WAIT);
        assertEquals(seen, replayed, "following a finished job replays every epoch");
        assertEquals(done.finishedAt(), again.finishedAt());
    }

    @Test
    void fallsBackToPollingWhenTheEventStreamDrops(LiveService service) throws IOException {
        try (CuttingProxy proxy = new CuttingProxy(service.baseUrl)) {
            ChainruleClient chainrule = ChainruleClient.builder().baseUrl(proxy.baseUrl()).apiKey(service.adminKey)
                    .pollInterval(Duration.ofMillis(100)).build();
            Model model = chainrule.createModel(Iris.model("iris-dropped-stream"));
            Job queued = chainrule.train(iris.training(model.id(), 40));

            List<Integer> seen = new ArrayList<>();
            Job done = chainrule.waitForJob(queued.id(), epoch -> seen.add(epoch.epoch()), WAIT);

            assertEquals(1, proxy.cuts(), () -> "the proxy cut the event stream after its first epoch: " + proxy.requestLines());
            assertTrue(proxy.requestLines().contains("GET /jobs/" + queued.id() + " HTTP/1.1"),
                    "the client polled after the drop: " + proxy.requestLines());
            assertEquals(JobStatus.SUCCEEDED, done.status());
            assertEquals(IntStream.rangeClosed(1, 40).boxed().toList(), seen, "each epoch once, in order, across the drop");
        }
    }

    @Test
    void cancelsARunningJobAndRefusesToDeleteItsModelMeanwhile(LiveService service) {
        ChainruleClient chainrule = service.admin();
        Model model = chainrule.createModel(Iris.model("iris-cancelled"));
        // per-row SGD for 10,000 epochs: far longer than this test
        Job job = chainrule.train(TrainRequest.builder(model.id())
                .data(InlineData.ofClasses(iris.features(), iris.classes())).epochs(10_000).batchSize(1).build());

        ConflictException inUse = assertThrows(ConflictException.class, () -> chainrule.deleteModel(model.id()));
        assertEquals(409, inUse.status());
        assertEquals("/problems/model-in-use", inUse.type());
        assertTrue(inUse.detail().contains(model.id()), inUse.detail());

        JobTimeoutException timeout = assertThrows(JobTimeoutException.class,
                () -> chainrule.waitForJob(job.id(), Duration.ofMillis(300)));
        assertNotNull(timeout.lastSeen());
        assertEquals(job.id(), timeout.lastSeen().id());
        assertTrue(!timeout.lastSeen().isFinished(), "still " + timeout.lastSeen().status());

        chainrule.cancelJob(job.id());
        Job cancelled = chainrule.waitForJob(job.id(), WAIT);
        assertEquals(JobStatus.CANCELLED, cancelled.status());
        assertNotNull(cancelled.finishedAt());
        assertNull(cancelled.version(), "a cancelled job makes no version");
        assertEquals(Model.TrainingState.UNTRAINED, chainrule.getModel(model.id()).trainingState());

        chainrule.deleteModel(model.id());
        assertThrows(NotFoundException.class, () -> chainrule.getModel(model.id()));
    }

    @Test
    void aFullQueueIsRateLimitedWithRetryAfter(LiveService service) {
        ChainruleClient chainrule = service.admin();
        Model model = chainrule.createModel(Iris.model("iris-queue"));
        TrainRequest longJob = TrainRequest.builder(model.id())
                .data(InlineData.ofClasses(iris.features(), iris.classes())).epochs(10_000).batchSize(1).build();
        // the service under test has one worker and a queue of one: the first job runs, the second waits
        Job running = chainrule.train(longJob);
        Job waiting = chainrule.train(longJob);
        try {
            RateLimitedException full = assertThrows(RateLimitedException.class, () -> chainrule.train(longJob));
            assertEquals(429, full.status());
            assertEquals("/problems/queue-full", full.type());
            assertTrue(full.retryAfter().isPresent(), "Retry-After is given");
            assertTrue(full.retryAfter().get().toSeconds() >= 0);
        } finally {
            chainrule.cancelJob(waiting.id());
            chainrule.cancelJob(running.id());
        }
        assertEquals(JobStatus.CANCELLED, chainrule.waitForJob(waiting.id(), WAIT).status());
        assertEquals(JobStatus.CANCELLED, chainrule.waitForJob(running.id(), WAIT).status());
    }

    @Test
    void errorsAreTypedAndCarryTheProblemDetails(LiveService service) {
        ChainruleClient chainrule = service.admin();

        NotFoundException missing = assertThrows(NotFoundException.class,
                () -> chainrule.getModel("c0ffee00-0000-4000-8000-000000000000"));
        assertEquals(404, missing.status());
        assertEquals("/problems/not-found", missing.type());
        assertEquals("not-found", missing.problem().kind());
        assertTrue(missing.detail().contains("c0ffee00-0000-4000-8000-000000000000"), missing.detail());
        assertEquals("/models/c0ffee00-0000-4000-8000-000000000000", missing.problem().instance());
        assertThrows(NotFoundException.class, () -> chainrule.getJob("no-such-job"));

        ModelDefinition broken = new ModelDefinition("broken", null, 0,
                List.of(new Layer(0, Activation.RELU), new Layer(3, Activation.SOFTMAX)), null, null, null, null);
        ValidationException invalid = assertThrows(ValidationException.class, () -> chainrule.createModel(broken));
        assertEquals(400, invalid.status());
        assertEquals("/problems/invalid-request", invalid.type());
        List<String> fields = invalid.errors().stream().map(Problem.FieldError::field).toList();
        assertTrue(fields.containsAll(List.of("inputWidth", "layers[0].units", "loss")), fields.toString());
        assertTrue(invalid.problem().reasonFor("inputWidth").contains("got 0"), invalid.problem().reasonFor("inputWidth"));
        assertTrue(invalid.getMessage().contains("inputWidth"), invalid.getMessage());

        Model untrained = chainrule.createModel(Iris.model("iris-untrained"));
        ConflictException notTrained = assertThrows(ConflictException.class,
                () -> chainrule.predict(untrained.id(), iris.features()));
        assertEquals("/problems/model-not-trained", notTrained.type());

        ValidationException badTraining = assertThrows(ValidationException.class, () -> chainrule.train(
                TrainRequest.builder(untrained.id()).data(InlineData.ofClasses(iris.features(), iris.classes()))
                        .epochs(0).build()));
        assertTrue(badTraining.problem().reasonFor("epochs") != null, badTraining.errors().toString());

        ValidationException wrongWidth = assertThrows(ValidationException.class,
                () -> chainrule.train(TrainRequest.builder(untrained.id())
                        .data(InlineData.ofClasses(new double[][]{{1, 2, 3}}, new int[]{0})).build()));
        assertTrue(wrongWidth.errors().stream().anyMatch(e -> e.field().startsWith("data.features[0]")),
                wrongWidth.errors().toString());
        chainrule.deleteModel(untrained.id());
    }

    @Test
    void apiKeysAreSentAndRolesAreEnforced(LiveService service) {
        ChainruleClient anonymous = ChainruleClient.builder().baseUrl(service.baseUrl).build();
        AccessDeniedException noKey = assertThrows(AccessDeniedException.class, anonymous::listModels);
        assertEquals(401, noKey.status());
        assertEquals("/problems/unauthorized", noKey.type());

        ChainruleClient reader = service.reader();
        AccessDeniedException readOnly = assertThrows(AccessDeniedException.class,
                () -> reader.createModel(Iris.model("not-allowed")));
        assertEquals(403, readOnly.status());
        assertEquals("/problems/forbidden", readOnly.type());
        assertNotNull(reader.listModels(), "a read key lists");
    }
}
