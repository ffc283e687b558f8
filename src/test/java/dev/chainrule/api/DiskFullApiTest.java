package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.ModelFile;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.testhttp.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A full disk, for real: the data directory on a tmpfs of {@value #SIZE_MB} MB this test mounts (tests run as root in
 * CI; elsewhere it is skipped, and .ci/run fails if it was), the database outside it. An upload (raw and multipart),
 * an import and a job's inline rows that do not fit answer 507 {@code /problems/insufficient-storage} naming the data
 * directory, and leave nothing: no row, no file under datasets/, models/, jobs/ or tmp/. Then, with the same disk, a
 * small upload, a model and a prediction work: the service still serves.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"chainrule.jobs.workers=1", "chainrule.jobs.checkpoint-interval=0s"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class DiskFullApiTest extends ApiTestSupport {
    /** Small, so that filling it costs the test little; a 40 MB disk behaves alike, only later. */
    static final int SIZE_MB = 8;
    private static Path mount;
    private static Path database;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void mountSmallDisk() throws Exception {
        Path base = Path.of("target", "disk-full-" + UUID.randomUUID()).toAbsolutePath();
        mount = base.resolve("disk");
        database = base.resolve("db");
        Files.createDirectories(mount);
        Files.createDirectories(database);
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + SIZE_MB + "m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean mounted = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        assumeTrue(mounted, "cannot mount a tmpfs (needs root): " + output.strip());
    }

    @AfterAll
    static void unmount() throws Exception {
        if (mount != null) {
            // the context (DirtiesContext) closes after this; nothing of it has a file open on the disk by now
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @DynamicPropertySource
    static void onTheSmallDisk(DynamicPropertyRegistry registry) {
        registry.add("chainrule.data-dir", () -> mount.resolve("data").toString());
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + database.resolve("chainrule")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE");
        registry.add("spring.datasource.username", () -> "sa");
        registry.add("spring.datasource.password", () -> "");
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void whatDoesNotFitIs507AndLeavesNothingAndTheServiceGoesOn() throws Exception {
        Path data = mount.resolve("data");
        assertThat(Files.getFileStore(data).getTotalSpace()).isEqualTo(SIZE_MB << 20);
        double full = meters.get("chainrule.storage.full").counter().count();

        // a CSV of 600,000 rows: 12 MB as float32, more than the disk holds
        Reply raw = send(HttpRequest.newBuilder(uri("/datasets?name=big")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> csv(600_000))));
        assertFull(raw, data);
        assertNothingStored(data);

        String boundary = "----chainrule" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        Reply form = send(HttpRequest.newBuilder(uri("/datasets")).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(new ByteArrayInputStream(head),
                        new SequenceInputStream(csv(600_000), new ByteArrayInputStream(tail))))));
        assertFull(form, data);
        assertNothingStored(data);

        // a model file of 3.8 million float32 parameters, 15 MB
        byte[] model = bigModelFile();
        assertThat(model.length).isGreaterThan(SIZE_MB << 20);
        Reply imported = send(HttpRequest.newBuilder(uri("/models/import?name=big"))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(model)));
        assertFull(imported, data);
        assertNothingStored(data);
        assertThat(get("/models").json().path("total").asLong()).as("models after the refused import").isZero();

        // a job's inline rows, 60,000 of 40 features (9.6 MB as float32), are written at submission
        JsonNode wide = createModel(40, "cross_entropy", 5, layer(2, "softmax"));
        StringBuilder body = new StringBuilder("{\"modelId\": \"" + wide.get("id").asString() + "\", \"epochs\": 1, "
                + "\"data\": {\"features\": [");
        StringBuilder targets = new StringBuilder();
        for (int r = 0; r < 60_000; r++) {
            body.append(r == 0 ? "[" : ",[");
            for (int c = 0; c < 40; c++) {
                body.append(c == 0 ? "" : ",").append((r * 31 + c) % 89);
            }
            body.append(']');
            targets.append(r == 0 ? "" : ",").append(r % 2);
        }
        body.append("], \"targets\": [").append(targets).append("]}}");
        Reply submitted = post("/train", body.toString());
        assertFull(submitted, data);
        assertNothingStored(data);
        assertThat(get("/jobs").json().path("total").asLong()).as("jobs after the refused submission").isZero();

        assertThat(meters.get("chainrule.storage.full").counter().count() - full).isEqualTo(4);
        assertThat(send(HttpRequest.newBuilder(uri("/models/" + wide.get("id").asString())).DELETE()).status()).isEqualTo(204);

        // the same disk, with room for something small: the service serves as before
        Reply small = send(HttpRequest.newBuilder(uri("/datasets?name=small")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> csv(200))));
        assertThat(small.status()).as(small.body()).isEqualTo(201);
        assertThat(small.json().path("rows").asLong()).isEqualTo(200);
        JsonNode created = createModel(4, "cross_entropy", 3, layer(4, "tanh"), layer(3, "softmax"));
        JsonNode job = train(obj("modelId", created.get("id").asString(), "datasetId", small.json().get("id").asString(),
                "epochs", 2, "batchSize", 20, "optimizer", obj("type", "sgd", "learningRate", 0.1)));
        assertThat(status(awaitEnd(job.get("id").asString(), java.time.Duration.ofSeconds(60)))).isEqualTo("SUCCEEDED");
        Reply predicted = post("/models/" + created.get("id").asString() + "/predict", "{\"instances\": [[0.1, 0.2, 0.3, 0.4]]}");
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
    }

    /**
     * A checkpoint only serves a resume: on a disk with no room for one, the job goes on (each failure counted, the
     * next epoch trying again), its version waits for room, and once there is some it succeeds.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aJobWhoseCheckpointsDoNotFitGoesOnAndSucceedsOnceTheDiskHasRoom() throws Exception {
        Path data = mount.resolve("data");
        Reply small = send(HttpRequest.newBuilder(uri("/datasets?name=small")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> csv(300))));
        assertThat(small.status()).as(small.body()).isEqualTo(201);
        String datasetId = small.json().get("id").asString();
        String modelId = createModel(4, "cross_entropy", 3, layer(4, "tanh"), layer(3, "softmax")).get("id").asString();
        double failedBefore = meters.get("chainrule.jobs.checkpoint.failures").counter().count();

        // the rest of the disk taken by a file of someone else's
        Path filler = data.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[1 << 16];
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left");
        }
        String jobId = train(obj("modelId", modelId, "datasetId", datasetId, "epochs", 20, "batchSize", 1,
                "optimizer", obj("type", "sgd", "learningRate", 0.05))).get("id").asString();
        awaitJob(jobId, j -> meters.get("chainrule.jobs.checkpoint.failures").counter().count() > failedBefore + 2,
                java.time.Duration.ofSeconds(60), "three checkpoints refused by the full disk");
        assertThat(status(job(jobId))).as("the job goes on without its checkpoints").isIn("RUNNING");

        Files.delete(filler); // room again: the next checkpoint and the version fit
        JsonNode end = awaitEnd(jobId, java.time.Duration.ofSeconds(90));
        assertThat(status(end)).as("%s", end).isEqualTo("SUCCEEDED");
        assertThat(end.get("history").size()).isEqualTo(20);
        Reply predicted = post("/models/" + modelId + "/predict", "{\"instances\": [[0.1, 0.2, 0.3, 0.4]]}");
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);
    }

    private void assertFull(Reply response, Path data) throws IOException {
        JsonNode problem = assertProblem(response, 507, "insufficient-storage");
        assertThat(problem.path("title").asString()).isEqualTo("Insufficient storage");
        assertThat(problem.path("detail").asString()).contains("the data directory " + data + " is full");
        OpenApiContract contract = new OpenApiContract(Path.of("openapi", "openapi.yaml"));
        String path = problem.path("instance").asString();
        OpenApiContract.Exchange exchange = new OpenApiContract.Exchange("POST", path, null, null, null,
                response.status(), response.headers().map(), response.body());
        assertThat(contract.checkResponse(exchange)).as("POST " + path + " -> 507 against openapi.yaml").isEmpty();
    }

    /** No dataset or model row, and no file left on the disk but the empty folders. */
    private void assertNothingStored(Path data) throws IOException {
        assertThat(get("/datasets").json().path("total").asLong()).as("datasets").isZero();
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(data)) {
            walk.filter(Files::isRegularFile).forEach(f -> files.add(data.relativize(f).toString()));
        }
        assertThat(files).as("files under " + data).isEmpty();
        FileStore disk = Files.getFileStore(data);
        assertThat(disk.getUsableSpace()).as("free space after the refusal").isGreaterThan((SIZE_MB - 1L) << 20);
    }

    /** Rows of four features and a class of three, made as they are read: the test holds none of them. */
    static InputStream csv(int rows) {
        return new InputStream() {
            private int row = -1;
            private byte[] line = new byte[0];
            private int at;

            @Override
            public int read() {
                if (at == line.length) {
                    if (row == rows) {
                        return -1;
                    }
                    line = (row < 0 ? "a,b,c,d,class\n" : String.format("%d.25,%d.5,%d.75,%d,%d\n", row % 97, row % 13,
                            row % 7, row % 11, row % 3)).getBytes(StandardCharsets.US_ASCII);
                    row++;
                    at = 0;
                }
                return line[at++];
            }
        };
    }

    /** An exported model file of 1000 inputs, two layers of 1500 and 3 outputs. */
    static byte[] bigModelFile() throws IOException {
        NetworkDefinition definition = new NetworkDefinition(1000, List.of(new LayerSpec(1500, Activation.RELU),
                new LayerSpec(1500, Activation.RELU), new LayerSpec(3, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY,
                WeightInitialiser.XAVIER);
        Network network = Network.create(definition, DataType.FLOAT, 1e-7);
        network.initialise(11);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(new TrainedModel(network, null), out);
        return out.toByteArray();
    }
}
