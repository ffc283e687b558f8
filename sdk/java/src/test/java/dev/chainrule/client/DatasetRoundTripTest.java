package dev.chainrule.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upload CSV data sets (a file, a gzip stream), inspect, train on, delete: POST/GET/DELETE /datasets, against the real service. */
@ExtendWith(LiveService.Extension.class)
class DatasetRoundTripTest {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static Iris iris;

    @BeforeAll
    static void readIris() throws IOException {
        iris = Iris.load();
    }

    @Test
    void uploadsAFileAndTrainsOnIt(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();

        Dataset uploaded = chainrule.uploadDataset(iris.csv(), null);
        assertEquals("iris", uploaded.name(), "named after the file, without .csv");
        assertEquals(150, uploaded.rows());
        assertEquals(iris.header().subList(0, 4), uploaded.featureColumns());
        assertEquals(List.of("species"), uploaded.targetColumns(), "the last column by default");
        assertEquals(Map.of("0", 50L, "1", 50L, "2", 50L), uploaded.classCounts());
        assertEquals(5, uploaded.columns().size());
        for (int j = 0; j < 4; j++) {
            Dataset.Column column = uploaded.columns().get(j);
            int c = j;
            double[] values = Arrays.stream(iris.features()).mapToDouble(row -> row[c]).toArray();
            double mean = Arrays.stream(values).average().orElseThrow();
            assertEquals(iris.header().get(j), column.name());
            assertEquals("feature", column.role());
            assertEquals(Arrays.stream(values).min().orElseThrow(), column.min(), 1e-9);
            assertEquals(Arrays.stream(values).max().orElseThrow(), column.max(), 1e-9);
            assertEquals(mean, column.mean(), 1e-6 * Math.abs(mean));
        }
        assertEquals("target", uploaded.columns().get(4).role());

        assertEquals(uploaded, chainrule.getDataset(uploaded.id()));
        assertEquals(uploaded, RecordsMirrorTheServiceTest.STRICT.readValue(
                RecordsMirrorTheServiceTest.get(service, "/datasets/" + uploaded.id()), Dataset.class),
                "every field of the service's dataset has a component");
        assertTrue(chainrule.listDatasets(0, 100).items().stream().anyMatch(d -> d.id().equals(uploaded.id())));

        Model model = chainrule.createModel(Iris.model("iris-from-dataset"));
        Job job = chainrule.train(TrainRequest.builder(model.id()).dataset(uploaded.id()).validationSplit(0.2)
                .epochs(30).batchSize(16).optimizer(Optimizer.adam(0.01)).build());
        assertEquals(30L * 8, job.batchesPlanned(), "120 training rows of the data set in batches of 16");
        Job done = chainrule.waitForJob(job.id(), WAIT);
        assertEquals(JobStatus.SUCCEEDED, done.status(), () -> String.valueOf(done.failureReason()));
        double accuracy = iris.accuracy(chainrule.predict(model.id(), iris.features()).classIndices());
        assertTrue(accuracy >= 0.9, "accuracy on the 150 rows " + accuracy);

        chainrule.deleteDataset(uploaded.id());
        NotFoundException gone = assertThrows(NotFoundException.class, () -> chainrule.getDataset(uploaded.id()));
        assertEquals("/problems/not-found", gone.type());
    }

    @Test
    void uploadsAGzipStreamAsItIsWrittenWithATargetNamed(LiveService service) throws IOException {
        ChainruleClient chainrule = service.admin();
        byte[] csv = Files.readAllBytes(iris.csv());
        // the CSV is compressed by another thread while the client sends it: nothing holds the whole body
        PipedInputStream body = new PipedInputStream(4096);
        PipedOutputStream writer = new PipedOutputStream(body);
        Thread compressor = new Thread(() -> {
            try (OutputStream gzip = new GZIPOutputStream(writer)) {
                new ByteArrayInputStream(csv).transferTo(gzip);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        compressor.setDaemon(true);
        compressor.start();

        Dataset uploaded = chainrule.uploadDataset(body, "iris streamed", "species");

        assertEquals("iris streamed", uploaded.name());
        assertEquals(150, uploaded.rows());
        assertEquals(List.of("species"), uploaded.targetColumns());
        assertEquals(Map.of("0", 50L, "1", 50L, "2", 50L), uploaded.classCounts());
        chainrule.deleteDataset(uploaded.id());
    }

    @Test
    void badCsvIsAValidationProblemNamingLineAndColumn(LiveService service) {
        ChainruleClient chainrule = service.admin();
        InputStream csv = new ByteArrayInputStream("a,b,label\n1,2,0\n3,x,1\n".getBytes(StandardCharsets.UTF_8));

        ValidationException invalid = assertThrows(ValidationException.class,
                () -> chainrule.uploadDataset(csv, "bad"));

        assertEquals(400, invalid.status());
        assertTrue(invalid.type().endsWith("/problems/invalid-csv"), invalid.type());
        assertEquals(3, ((Number) invalid.problem().properties().get("line")).intValue(), invalid.problem().toString());
        assertTrue(invalid.problem().properties().containsKey("column"), invalid.problem().toString());
        assertFalse(invalid.errors().isEmpty());
        assertTrue(chainrule.listDatasets(0, 100).items().stream().noneMatch(d -> d.name().equals("bad")),
                "nothing is stored on error");

        ValidationException noSuchTarget = assertThrows(ValidationException.class,
                () -> chainrule.uploadDataset(iris.csv(), "no-target", "colour"));
        assertFalse(noSuchTarget.errors().isEmpty(), noSuchTarget.problem().toString());
    }

    @Test
    void anUploadOverTheLimitIsPayloadTooLarge(LiveService service, @TempDir Path temp) throws IOException {
        ChainruleClient chainrule = service.admin();
        StringBuilder csv = new StringBuilder("a,b,label\n");
        while (csv.length() <= 2 * LiveService.MAX_DATASET_BYTES) {
            csv.append("1.5,2.5,0\n");
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.US_ASCII);

        PayloadTooLargeException streamed = assertThrows(PayloadTooLargeException.class,
                () -> chainrule.uploadDataset(new ByteArrayInputStream(bytes), "too-large-stream"));
        assertEquals(413, streamed.status());
        assertEquals("/problems/payload-too-large", streamed.type());

        Path file = Files.write(temp.resolve("too-large.csv"), bytes);
        assertThrows(PayloadTooLargeException.class, () -> chainrule.uploadDataset(file, null));
        assertTrue(chainrule.listDatasets(0, 100).items().stream().noneMatch(d -> d.name().startsWith("too-large")),
                "nothing is stored");
    }

    @Test
    void aDatasetInUseIsNotDeleted(LiveService service) {
        ChainruleClient chainrule = service.admin();
        Dataset dataset = chainrule.uploadDataset(iris.csv(), "iris-in-use");
        Model model = chainrule.createModel(Iris.model("iris-dataset-in-use"));
        Job job = chainrule.train(TrainRequest.builder(model.id()).dataset(dataset.id()).epochs(10_000).batchSize(1).build());
        try {
            ConflictException inUse = assertThrows(ConflictException.class, () -> chainrule.deleteDataset(dataset.id()));
            assertEquals(409, inUse.status());
        } finally {
            chainrule.cancelJob(job.id());
        }
        assertEquals(JobStatus.CANCELLED, chainrule.waitForJob(job.id(), WAIT).status());
        chainrule.deleteDataset(dataset.id());
        assertThrows(NotFoundException.class, () -> chainrule.deleteDataset(dataset.id()));
    }
}
