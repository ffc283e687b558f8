package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the Chainrule HTTP API ({@code openapi/openapi.yaml}): define models, upload data sets, train,
 * follow a job's progress, predict, export and import versions. Thread-safe; build one and share it.
 *
 * <pre>{@code
 * ChainruleClient chainrule = ChainruleClient.builder()
 *         .baseUrl("http://localhost:8080").apiKey(System.getenv("CHAINRULE_API_KEY")).build();
 * Model model = chainrule.createModel(ModelDefinition.builder(4)
 *         .layer(16, Activation.RELU).layer(3, Activation.SOFTMAX).loss(Loss.CROSS_ENTROPY).build());
 * Job job = chainrule.train(TrainRequest.builder(model.id()).data(InlineData.ofClasses(x, y)).epochs(30).build());
 * job = chainrule.waitForJob(job.id(), epoch -> System.out.println(epoch), Duration.ofMinutes(5));
 * int[] classes = chainrule.predict(model.id(), x).classIndices();
 * }</pre>
 *
 * Every error the service answers is thrown as a {@link ChainruleApiException} (by status: {@link
 * ValidationException}, {@link AccessDeniedException}, {@link NotFoundException}, {@link ConflictException},
 * {@link PayloadTooLargeException}, {@link RateLimitedException}) carrying its RFC 9457 {@link Problem}; a failure
 * to reach the service is a {@link ChainruleTransportException}. All of them are unchecked.
 */
public final class ChainruleClient {
    private static final String USER_AGENT = "chainrule-java-client/0.1.0";
    private static final String JSON = "application/json";
    private static final Pattern FILENAME = Pattern.compile("filename=\"?([^\";]+)\"?");

    private final URI baseUrl;
    private final String apiKey;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Duration pollInterval;
    private final JsonMapper json;

    private ChainruleClient(Builder builder) {
        String base = Objects.requireNonNull(builder.baseUrl, "baseUrl is required").toString();
        this.baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        this.apiKey = builder.apiKey == null || builder.apiKey.isBlank() ? null : builder.apiKey;
        this.http = builder.httpClient != null ? builder.httpClient : HttpClient.newBuilder()
                // plain HTTP/1.1: no h2c upgrade attempt on every new connection
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(builder.connectTimeout)
                .build();
        this.requestTimeout = builder.requestTimeout;
        this.pollInterval = builder.pollInterval;
        this.json = JsonMapper.builder()
                // a field left null takes the service's default; the service refuses explicit nulls for some
                .changeDefaultPropertyInclusion(inclusion -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
                // a newer service may answer fields this client does not know yet
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The service's address, without a trailing slash. */
    public URI baseUrl() {
        return baseUrl;
    }

    // ---------------------------------------------------------------------------------------------- access

    /**
     * What this client's API key may do ({@code GET /access}): READ or ADMIN and the key's name; ADMIN without a name
     * on a service without keys. An {@link AccessDeniedException} (401) when the service has keys and this key is
     * none of them, or the client has none.
     */
    public KeyAccess access() {
        return call("GET", "/access", null, null, type(KeyAccess.class));
    }

    // ---------------------------------------------------------------------------------------------- models

    /** Defines a model ({@code POST /models}); it has no trained version yet. */
    public Model createModel(ModelDefinition definition) {
        return call("POST", "/models", jsonBody(definition), JSON, type(Model.class));
    }

    public Model getModel(String modelId) {
        return call("GET", "/models/" + segment(modelId), null, null, type(Model.class));
    }

    /** The first page of models (20), oldest first. */
    public Page<Model> listModels() {
        return listModels(0, 20);
    }

    public Page<Model> listModels(int page, int size) {
        return call("GET", "/models" + query("page", page, "size", size), null, null, pageOf(Model.class));
    }

    /** Deletes a model and its versions; a {@link ConflictException} while a job for it is queued or running. */
    public void deleteModel(String modelId) {
        call("DELETE", "/models/" + segment(modelId), null, null, null);
    }

    // -------------------------------------------------------------------------------------------- datasets

    /**
     * Uploads a CSV file ({@code POST /datasets}), plain or gzip-compressed, streamed from disk. The header row
     * names the columns; every cell is a number.
     *
     * @param csv     the file
     * @param name    the data set's name; null for the file's name without {@code .csv} or {@code .gz}
     * @param targets the target columns' names; none for the last column
     */
    public Dataset uploadDataset(Path csv, String name, String... targets) {
        BodyPublisher body;
        boolean gzip;
        try (InputStream in = Files.newInputStream(csv)) {
            gzip = isGzip(in.readNBytes(2));
            body = BodyPublishers.ofFile(csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
        String datasetName = name != null ? name : csv.getFileName().toString().replaceFirst("(\\.csv)?(\\.gz)?$", "");
        return call("POST", "/datasets" + datasetQuery(datasetName, targets), body,
                gzip ? "application/octet-stream" : "text/csv", type(Dataset.class));
    }

    /**
     * Uploads a CSV read from a stream ({@code POST /datasets}), plain or gzip-compressed, sent as it is read
     * (chunked; never held in memory whole). The stream is read to its end and closed.
     *
     * @param csv     the CSV's bytes
     * @param name    the data set's name; null for the service's default
     * @param targets the target columns' names; none for the last column
     */
    public Dataset uploadDataset(InputStream csv, String name, String... targets) {
        BufferedInputStream in = new BufferedInputStream(csv);
        boolean gzip;
        try {
            in.mark(2);
            gzip = isGzip(in.readNBytes(2));
            in.reset();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CSV stream", e);
        }
        try (in) {
            return call("POST", "/datasets" + datasetQuery(name, targets), BodyPublishers.ofInputStream(() -> in),
                    gzip ? "application/octet-stream" : "text/csv", type(Dataset.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the CSV stream", e);
        }
    }

    public Dataset getDataset(String datasetId) {
        return call("GET", "/datasets/" + segment(datasetId), null, null, type(Dataset.class));
    }

    /** The first page of data sets (20), oldest first. */
    public Page<Dataset> listDatasets() {
        return listDatasets(0, 20);
    }

    public Page<Dataset> listDatasets(int page, int size) {
        return call("GET", "/datasets" + query("page", page, "size", size), null, null, pageOf(Dataset.class));
    }

    /** Deletes a data set; a {@link ConflictException} while a queued or running job uses it. */
    public void deleteDataset(String datasetId) {
        call("DELETE", "/datasets/" + segment(datasetId), null, null, null);
    }

    // ---------------------------------------------------------------------------------------------- training

    /**
     * Starts a training job ({@code POST /train}); the answer is the job as queued. A {@link RateLimitedException}
     * when every worker is busy and the queue is full (nothing was created: retry after its {@code retryAfter}).
     */
    public Job train(TrainRequest request) {
        return call("POST", "/train", jsonBody(request), JSON, type(Job.class));
    }

    public Job getJob(String jobId) {
        return call("GET", "/jobs/" + segment(jobId), null, null, type(Job.class));
    }

    /** The first page of jobs (20), oldest first. */
    public Page<Job> listJobs() {
        return listJobs(null, null, 0, 20);
    }

    /** A page of jobs, oldest first: only those of {@code modelId} and in {@code status} when they are not null. */
    public Page<Job> listJobs(String modelId, JobStatus status, int page, int size) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (modelId != null) {
            parameters.put("modelId", modelId);
        }
        if (status != null) {
            parameters.put("status", status.name());
        }
        parameters.put("page", page);
        parameters.put("size", size);
        return call("GET", "/jobs" + query(parameters), null, null, pageOf(Job.class));
    }

    /**
     * Asks a job to stop ({@code POST /jobs/{id}/cancel}): a queued one at once, a running one before its next
     * minibatch. The answer is the job right after asking, which may still be RUNNING; {@link #waitForJob} sees
     * it end.
     */
    public Job cancelJob(String jobId) {
        return call("POST", "/jobs/" + segment(jobId) + "/cancel", BodyPublishers.noBody(), null, type(Job.class));
    }

    /** Waits until the job has ended (see {@link #waitForJob(String, Consumer, Duration)}), without a callback. */
    public Job waitForJob(String jobId, Duration timeout) {
        return waitForJob(jobId, epoch -> { }, timeout);
    }

    /**
     * Waits until the job has ended, calling {@code onEpoch} once for every finished epoch, in order (those
     * finished before the call too), on the calling thread. It follows the job's Server-Sent Events
     * ({@code GET /jobs/{id}/events}); if the stream drops or ends without the job's end, it polls
     * {@code GET /jobs/{id}} instead, every {@link Builder#pollInterval poll interval}, still reporting each
     * epoch once.
     *
     * @return the ended job: SUCCEEDED, FAILED or CANCELLED (this does not throw for a failed job)
     * @throws JobTimeoutException when the job has not ended within {@code timeout} (it goes on running)
     * @throws NotFoundException   when there is no such job
     */
    public Job waitForJob(String jobId, Consumer<Epoch> onEpoch, Duration timeout) {
        Objects.requireNonNull(onEpoch, "onEpoch");
        Instant deadline = Instant.now().plus(timeout);
        EpochReporter reporter = new EpochReporter(onEpoch);
        Job ended = followEvents(jobId, reporter, deadline);
        if (ended != null) {
            reporter.catchUp(ended);
            return ended;
        }
        return poll(jobId, reporter, deadline);
    }

    /** Reports each epoch number once, in order, whichever of the stream or the polls shows it first. */
    private static final class EpochReporter {
        private final Consumer<Epoch> onEpoch;
        private int reported;

        EpochReporter(Consumer<Epoch> onEpoch) {
            this.onEpoch = onEpoch;
        }

        void report(Epoch epoch) {
            if (epoch.epoch() > reported) {
                reported = epoch.epoch();
                onEpoch.accept(epoch);
            }
        }

        void catchUp(Job job) {
            if (job.history() != null) {
                job.history().forEach(this::report);
            }
        }
    }

    /** The job from the stream's end event, or null when the stream dropped or ended without one. */
    private Job followEvents(String jobId, EpochReporter reporter, Instant deadline) {
        String path = "/jobs/" + segment(jobId) + "/events";
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            return null;
        }
        HttpRequest request = request("GET", path, null, null).setHeader("Accept", "text/event-stream")
                .timeout(left).build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        if (response.statusCode() >= 400) {
            ChainruleApiException error = error("GET " + path, response);
            if (error instanceof NotFoundException || error instanceof AccessDeniedException) {
                throw error;
            }
            return null;
        }
        InputStream body = response.body();
        // the stream blocks until the next event: closing it at the deadline is what ends the wait
        CompletableFuture<Void> watchdog = new CompletableFuture<>();
        watchdog.completeOnTimeout(null, Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
                TimeUnit.MILLISECONDS).thenRun(() -> closeQuietly(body));
        try (body) {
            ServerSentEvents events = new ServerSentEvents(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
            ServerSentEvents.Event event;
            while ((event = events.next()) != null) {
                if ("epoch".equals(event.name())) {
                    reporter.report(json.readValue(event.data(), Epoch.class));
                } else if ("end".equals(event.name())) {
                    return json.readValue(event.data(), Job.class);
                }
            }
            return null;
        } catch (IOException | JacksonException e) {
            return null;
        } finally {
            watchdog.cancel(false);
        }
    }

    private Job poll(String jobId, EpochReporter reporter, Instant deadline) {
        Job job = null;
        while (true) {
            try {
                job = getJob(jobId);
                reporter.catchUp(job);
                if (job.isFinished()) {
                    return job;
                }
            } catch (ChainruleTransportException e) {
                // the service may be restarting: keep trying until the deadline
                if (!Instant.now().isBefore(deadline)) {
                    throw e;
                }
            }
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new JobTimeoutException("job " + jobId + " has not ended within the timeout"
                        + (job == null ? "" : " (it is " + job.status() + ", epoch " + job.currentEpoch() + " of "
                        + job.epochs() + ")"), job);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(pollInterval.toMillis(), left.toMillis())));
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- predictions

    /**
     * The default version's predictions (the default alias's, else the latest) for these raw feature rows (one
     * forward pass); see
     * {@link #predict(String, double[][], Integer)}.
     */
    public Predictions predict(String modelId, double[][] rows) {
        return predict(modelId, rows, null);
    }

    /**
     * The given version's predictions for these raw feature rows; when {@code version} is null, the model's
     * default alias's version, or the latest when it has none (see {@link #setDefaultAlias}). The rows go as float32 values ({@code application/octet-stream}): 4 bytes a value instead of a JSON
     * number's text, and the service reads them without parsing. Each value is cast to float, as the service
     * does with a JSON number, so the predictions are those of the same rows sent as JSON.
     *
     * @param rows one row per instance, each with the model's inputWidth values
     * @throws IllegalArgumentException before sending, naming the row, when {@code rows} is null or empty, a row
     *                                  is null or empty or differs in length from the first, or a value is NaN,
     *                                  infinite or too large for a float32
     * @throws ValidationException      when the rows are not of the model's inputWidth (the service names {@code body},
     *                                  or {@code rows} when their values happened to fill whole rows of it)
     */
    public Predictions predict(String modelId, double[][] rows, Integer version) {
        return predictRows(modelId, rows, version);
    }

    /** @param version a number, a version's text ("latest", an alias name), or null */
    private Predictions predictRows(String modelId, double[][] rows, Object version) {
        int width = rowWidth(rows);
        ByteBuffer body = float32Buffer(rows.length, width);
        for (int r = 0; r < rows.length; r++) {
            double[] row = rows[r];
            if (row == null) {
                throw new IllegalArgumentException("rows[" + r + "] is null");
            }
            if (row.length != width) {
                throw new IllegalArgumentException("rows[" + r + "] has " + row.length + " values but rows[0] has "
                        + width + ": every row needs the model's inputWidth values");
            }
            for (int c = 0; c < width; c++) {
                float value = (float) row[c];
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException("rows[" + r + "][" + c + "] " + notFloat32(row[c]));
                }
                body.putFloat(value);
            }
        }
        return predictFloat32(predictPath(modelId, version, rows.length), body);
    }

    /**
     * The given version's predictions (the latest when {@code version} is null) for rows already held as float32
     * values, row after row: row r is {@code rowMajor[r * width]} to {@code rowMajor[r * width + width - 1]}.
     * Sent as they are ({@code application/octet-stream}), with no double[][] in between.
     *
     * @param width the values in a row: the model's inputWidth
     * @throws IllegalArgumentException before sending, naming the row, when {@code rowMajor} is null or empty or
     *                                  not a whole number of rows of {@code width}, or a value is NaN or infinite
     * @throws ValidationException      when {@code width} is not the model's inputWidth (the service names {@code body},
     *                                  or {@code rows} when the values happened to fill whole rows of it)
     */
    public Predictions predict(String modelId, float[] rowMajor, int width, Integer version) {
        return predictRowMajor(modelId, rowMajor, width, version);
    }

    private Predictions predictRowMajor(String modelId, float[] rowMajor, int width, Object version) {
        if (rowMajor == null || rowMajor.length == 0) {
            throw new IllegalArgumentException("rowMajor needs at least one row of values, got "
                    + (rowMajor == null ? "null" : "none"));
        }
        if (width < 1 || rowMajor.length % width != 0) {
            throw new IllegalArgumentException("rowMajor has " + rowMajor.length + " values, not a whole number of rows of "
                    + width + " (the width given)");
        }
        ByteBuffer body = float32Buffer(rowMajor.length / width, width);
        for (int i = 0; i < rowMajor.length; i++) {
            if (!Float.isFinite(rowMajor[i])) {
                throw new IllegalArgumentException("row " + i / width + ", column " + i % width + " (rowMajor[" + i + "]) "
                        + notFloat32(rowMajor[i]));
            }
            body.putFloat(rowMajor[i]);
        }
        return predictFloat32(predictPath(modelId, version, rowMajor.length / width), body);
    }

    /**
     * The predictions of the version an alias points to ({@code "production"}), or of {@code "latest"}; null: the
     * model's default alias's version, or the latest when it has none. Otherwise as
     * {@link #predict(String, double[][], Integer)}.
     */
    public Predictions predictWith(String modelId, String alias, double[][] rows) {
        return predictRows(modelId, rows, alias);
    }

    /** As {@link #predictWith(String, String, double[][])} for rows held as float32 values (see {@link #predict(String, float[], int, Integer)}). */
    public Predictions predictWith(String modelId, String alias, float[] rowMajor, int width) {
        return predictRowMajor(modelId, rowMajor, width, alias);
    }

    /** The predict path with the row count, which the service checks the body against (it has no shape). */
    private static String predictPath(String modelId, Object version, int rows) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (version != null) {
            parameters.put("version", version);
        }
        parameters.put("rows", rows);
        return "/models/" + segment(modelId) + "/predict" + query(parameters);
    }

    /** The first row's length, once there is a first row with values in it. */
    private static int rowWidth(double[][] rows) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("rows needs at least one row of values, got " + (rows == null ? "null" : "none"));
        }
        if (rows[0] == null || rows[0].length == 0) {
            throw new IllegalArgumentException("rows[0] " + (rows[0] == null ? "is null" : "has no values"));
        }
        return rows[0].length;
    }

    private static ByteBuffer float32Buffer(int rows, int width) {
        int bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact(rows, width), Float.BYTES);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(rows + " rows of " + width + " values are more than one request can hold");
        }
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String notFloat32(double value) {
        return Double.isNaN(value) || Double.isInfinite(value)
                ? "is " + value + ": every value must be a finite number"
                : "is " + value + ", which does not fit a float32 (at most " + Float.MAX_VALUE + " in magnitude)";
    }

    /**
     * Sends the rows and checks that an answer came for each of them: the body does not say its width, so the
     * service cuts it by the model's inputWidth, and rows of another width that happen to fill whole rows of it
     * come back as a different number of predictions.
     */
    private Predictions predictFloat32(String path, ByteBuffer body) {
        return call("POST", path, BodyPublishers.ofByteArray(body.array()), "application/octet-stream",
                type(Predictions.class));
    }

    /**
     * dJ/dx for each row and its target ({@code POST /models/{id}/input-gradients}).
     *
     * @param targets one per row, in the forms {@link InlineData} takes ({@code Integer}, {@code Double},
     *                {@code double[]})
     * @param version the version; the latest when null
     */
    public InputGradients inputGradients(String modelId, double[][] rows, List<?> targets, Integer version) {
        return call("POST", "/models/" + segment(modelId) + "/input-gradients",
                jsonBody(new InputGradientBody(rows, targets, version)), JSON, type(InputGradients.class));
    }

    /** dJ/dx from the version an alias points to ({@code "production"}) or {@code "latest"}; null: the default one. */
    public InputGradients inputGradientsWith(String modelId, String alias, double[][] rows, List<?> targets) {
        return call("POST", "/models/" + segment(modelId) + "/input-gradients",
                jsonBody(new InputGradientBody(rows, targets, alias)), JSON, type(InputGradients.class));
    }

    private record InputGradientBody(double[][] instances, List<?> targets, Object version) {
    }

    // ----------------------------------------------------------------------------------------------- aliases

    /**
     * Points an alias at a version ({@code PUT /models/{id}/aliases/{alias}}), creating or moving it; each move is
     * kept in its history. Names: 1 to 64 lowercase letters, digits, '-' and '_', never all digits nor "latest".
     */
    public Alias setAlias(String modelId, String alias, int version) {
        return call("PUT", aliasPath(modelId, alias), jsonBody(Map.of("version", version)), JSON, type(Alias.class));
    }

    /** Points an alias where another alias points now (or at {@code "latest"}). */
    public Alias setAlias(String modelId, String alias, String otherAlias) {
        return call("PUT", aliasPath(modelId, alias), jsonBody(Map.of("version", otherAlias)), JSON, type(Alias.class));
    }

    /** Removes an alias; a {@link ConflictException} while it is the model's default alias. */
    public void deleteAlias(String modelId, String alias) {
        call("DELETE", aliasPath(modelId, alias), null, null, null);
    }

    /** The alias and its history, oldest move first. */
    public Alias getAlias(String modelId, String alias) {
        return call("GET", aliasPath(modelId, alias), null, null, type(Alias.class));
    }

    public AliasList listAliases(String modelId) {
        return call("GET", "/models/" + segment(modelId) + "/aliases", null, null, type(AliasList.class));
    }

    /** Makes predictions that name no version use this alias's; the model as it is then. */
    public Model setDefaultAlias(String modelId, String alias) {
        return call("PUT", "/models/" + segment(modelId) + "/default-alias", jsonBody(Map.of("alias", alias)), JSON,
                type(Model.class));
    }

    /** Predictions that name no version use the latest one again; the model as it is then. */
    public Model clearDefaultAlias(String modelId) {
        return call("DELETE", "/models/" + segment(modelId) + "/default-alias", null, null, type(Model.class));
    }

    private static String aliasPath(String modelId, String alias) {
        return "/models/" + segment(modelId) + "/aliases/" + segment(alias);
    }

    // --------------------------------------------------------------------------------------- export / import

    /**
     * Downloads one version as a self-contained model file
     * ({@code GET /models/{id}/versions/{version}/export}), streamed to disk. When {@code target} is a
     * directory the file gets the name the service gives it ({@code <model-name>-v<version>.chainrule});
     * otherwise it is written to {@code target}, replacing a file there. The file appears whole or not at all.
     *
     * @return the file written
     */
    public Path exportVersion(String modelId, int version, Path target) {
        return exportVersion(modelId, version, target, ExportFormat.NATIVE);
    }

    /**
     * Downloads one version in the given format, as {@link #exportVersion(String, int, Path)} does: with
     * {@link ExportFormat#ONNX} an ONNX model ({@code <model-name>-v<version>.onnx} in a directory) that ONNX Runtime
     * and other ONNX tools run, computing what {@link #predict} answers.
     *
     * @return the file written
     */
    public Path exportVersion(String modelId, int version, Path target, ExportFormat format) {
        return export(modelId, Integer.toString(version), target, format);
    }

    /** As {@link #exportVersion(String, int, Path)}, for the version an alias points to now, or {@code "latest"}. */
    public Path exportVersion(String modelId, String alias, Path target) {
        return export(modelId, java.util.Objects.requireNonNull(alias, "alias"), target, ExportFormat.NATIVE);
    }

    /** As {@link #exportVersion(String, int, Path, ExportFormat)}, for the version an alias points to now. */
    public Path exportVersion(String modelId, String alias, Path target, ExportFormat format) {
        return export(modelId, java.util.Objects.requireNonNull(alias, "alias"), target, format);
    }

    private Path export(String modelId, String version, Path target, ExportFormat format) {
        String path = "/models/" + segment(modelId) + "/versions/" + encode(version) + "/export"
                + (format == ExportFormat.NATIVE ? "" : "?format=" + format.queryValue());
        HttpResponse<InputStream> response = send("GET", path, null, null);
        try (InputStream body = response.body()) {
            Path file = Files.isDirectory(target)
                    ? target.resolve(exportName(response.headers(), modelId, version, format))
                    : target;
            Path directory = file.toAbsolutePath().getParent();
            Path partial = Files.createTempFile(directory, ".export-", ".part");
            try {
                Files.copy(body, partial, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(partial);
            }
            return file;
        } catch (IOException e) {
            throw new ChainruleTransportException("GET " + path + ": cannot save the model file: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------- scoring

    /**
     * Scores a stored dataset with a version, as a job ({@code POST /models/{id}/score}): {@code version} a number
     * (Integer), an alias name or "latest" (String), or null for the model's default alias (else the latest version).
     * Follow it with {@link #waitForJob}, then read {@link #scoringResult} and {@link #downloadScores}.
     */
    public Job score(String modelId, String datasetId, Object version) {
        if (version != null && !(version instanceof Integer) && !(version instanceof String)) {
            throw new IllegalArgumentException("version: an Integer, a String (an alias or \"latest\") or null");
        }
        return call("POST", "/models/" + segment(modelId) + "/score", jsonBody(new ScoreBody(datasetId, version)), JSON,
                type(Job.class));
    }

    private record ScoreBody(String datasetId, Object version) {
    }

    /** A succeeded scoring job's metrics and columns; a {@link ConflictException} before it has succeeded. */
    public ScoringResult scoringResult(String jobId) {
        return call("GET", "/jobs/" + segment(jobId) + "/result", null, null, type(ScoringResult.class));
    }

    /**
     * Downloads a succeeded scoring job's result to {@code target} (a directory: {@code scores-<job id>.csv}, .csv.gz or
     * .f32 in it), streaming it to disk; the file appears whole or not at all.
     *
     * @return the file written
     */
    public Path downloadScores(String jobId, ScoresFormat format, Path target) {
        String path = "/jobs/" + segment(jobId) + format.path();
        HttpResponse<InputStream> response = send("GET", path, null, null);
        try (InputStream body = response.body()) {
            Path file = Files.isDirectory(target) ? target.resolve("scores-" + jobId + format.extension()) : target;
            Path partial = Files.createTempFile(file.toAbsolutePath().getParent(), ".scores-", ".part");
            try {
                Files.copy(body, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return file;
        } catch (IOException e) {
            throw new ChainruleTransportException("GET " + path + ": cannot save the result: " + e.getMessage(), e);
        }
    }

    /** The name from Content-Disposition, without any directory in it; a name of our own when there is none. */
    private static String exportName(HttpHeaders headers, String modelId, String version, ExportFormat format) {
        String fallback = modelId + "-v" + version + format.extension();
        String disposition = headers.firstValue("Content-Disposition").orElse("");
        Matcher matcher = FILENAME.matcher(disposition);
        if (!matcher.find()) {
            return fallback;
        }
        String name = Path.of(matcher.group(1).replace('\\', '/')).getFileName().toString();
        return name.isBlank() || name.startsWith(".") ? fallback : name;
    }

    /** Imports a model file made by {@link #exportVersion} ({@code POST /models/import}) as a new model with version 1. */
    public Model importModel(Path file) {
        return importModel(file, null);
    }

    /** Imports a model file as a new model named {@code name} (the file's model name when null). */
    public Model importModel(Path file, String name) {
        BodyPublisher body;
        try {
            body = BodyPublishers.ofFile(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String path = "/models/import" + (name == null ? "" : query(Map.of("name", name)));
        return call("POST", path, body, "application/octet-stream", type(Model.class));
    }

    // ---------------------------------------------------------------------------------------------- sweeps

    /** Starts a hyperparameter sweep ({@code POST /sweeps}); every trial is planned, and waits to be admitted. */
    public Sweep createSweep(SweepRequest request) {
        return call("POST", "/sweeps", jsonBody(request), JSON, type(Sweep.class));
    }

    public Sweep getSweep(String sweepId) {
        return call("GET", "/sweeps/" + segment(sweepId), null, null, type(Sweep.class));
    }

    public Page<Sweep> listSweeps(int page, int size) {
        return call("GET", "/sweeps" + query("page", page, "size", size), null, null, pageOf(Sweep.class));
    }

    /** Cancels the waiting trials and asks the running ones to stop; {@link #waitForSweep} sees the rest end. */
    public Sweep cancelSweep(String sweepId) {
        return call("POST", "/sweeps/" + segment(sweepId) + "/cancel", BodyPublishers.noBody(), null, type(Sweep.class));
    }

    /** Deletes the sweep and its trials' models; a {@link ConflictException} while trials wait or run. */
    public void deleteSweep(String sweepId) {
        call("DELETE", "/sweeps/" + segment(sweepId), null, null, null);
    }

    /**
     * Waits until nothing of the sweep runs, polling it every {@link Builder#pollInterval poll interval} and calling
     * {@code onTrial} once for each trial that ended (succeeded, failed or cancelled after it ran), on this thread.
     *
     * @throws JobTimeoutException when the sweep has not finished within {@code timeout} (it goes on)
     */
    public Sweep waitForSweep(String sweepId, Consumer<Sweep.Trial> onTrial, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        java.util.Set<Integer> reported = new java.util.HashSet<>();
        while (true) {
            Sweep sweep = getSweep(sweepId);
            for (Sweep.Trial trial : sweep.trials()) {
                if (trial.jobId() != null && trial.finishedAt() != null && reported.add(trial.trial())) {
                    onTrial.accept(trial);
                }
            }
            if (sweep.isFinished()) {
                return sweep;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new JobTimeoutException("sweep " + sweepId + " has not finished within " + timeout, null);
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
    }

    /** Predictions of the sweep's best trial's version ({@code POST /sweeps/{id}/predict}); its modelId and version say which. */
    public Predictions predictWithSweep(String sweepId, double[][] rows) {
        return call("POST", "/sweeps/" + segment(sweepId) + "/predict", jsonBody(Map.of("instances", rows)), JSON,
                type(Predictions.class));
    }

    // ------------------------------------------------------------------------------------------- plumbing

    private <T> T call(String method, String path, BodyPublisher body, String contentType, JavaType responseType) {
        HttpResponse<InputStream> response = send(method, path, body, contentType);
        try (InputStream in = response.body()) {
            if (responseType == null) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                return null;
            }
            return json.readValue(in, responseType);
        } catch (IOException e) {
            throw new ChainruleTransportException(method + " " + path + ": the answer broke off: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new ChainruleException(method + " " + path + ": the answer is not the JSON expected: " + e.getOriginalMessage(), e);
        }
    }

    /** Sends the request; a 2xx response is returned (its body to be closed by the caller), anything else thrown. */
    private HttpResponse<InputStream> send(String method, String path, BodyPublisher body, String contentType) {
        HttpRequest request = request(method, path, body, contentType).timeout(requestTimeout).build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ChainruleTransportException(method + " " + path + " failed: is the service at " + baseUrl
                    + "? (" + e + ")", e);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        if (response.statusCode() >= 400) {
            throw error(method + " " + path, response);
        }
        return response;
    }

    private HttpRequest.Builder request(String method, String path, BodyPublisher body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .method(method, body == null ? BodyPublishers.noBody() : body)
                .header("User-Agent", USER_AGENT)
                .header("Accept", "application/json, application/problem+json, */*");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return request;
    }

    /** The typed exception for an error answer, from its problem detail (or its status when it has none). */
    private ChainruleApiException error(String request, HttpResponse<InputStream> response) {
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            bytes = new byte[0];
        }
        Problem problem = problem(response.statusCode(), bytes);
        return switch (response.statusCode()) {
            case 400 -> new ValidationException(request, problem);
            case 401, 403 -> new AccessDeniedException(request, problem);
            case 404 -> new NotFoundException(request, problem);
            case 409 -> new ConflictException(request, problem);
            case 413 -> new PayloadTooLargeException(request, problem);
            case 429 -> new RateLimitedException(request, problem, retryAfter(response.headers()));
            default -> new ChainruleApiException(request, problem);
        };
    }

    private Problem problem(int status, byte[] body) {
        JsonNode node = null;
        try {
            node = body.length == 0 ? null : json.readTree(body);
        } catch (JacksonException e) {
            // not JSON (a proxy's HTML page, say): the status and the text are all there is
        }
        if (node == null || !node.isObject()) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            return new Problem(null, null, status, text.isEmpty() ? null : text, null, List.of(), Map.of());
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        if (node.path("errors").isArray()) {
            for (JsonNode error : node.path("errors")) {
                errors.add(new Problem.FieldError(error.path("field").asString(null), error.path("reason").asString(null)));
            }
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> member : node.properties()) {
            if (!List.of("type", "title", "status", "detail", "instance", "errors").contains(member.getKey())) {
                properties.put(member.getKey(), json.treeToValue(member.getValue(), Object.class));
            }
        }
        return new Problem(text(node, "type"), text(node, "title"), node.path("status").asInt(status),
                text(node, "detail"), text(node, "instance"), errors, properties);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static Duration retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").map(value -> {
            try {
                return Duration.ofSeconds(Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                return null; // an HTTP date: rare enough to leave to the caller
            }
        }).orElse(null);
    }

    private BodyPublisher jsonBody(Object value) {
        return BodyPublishers.ofByteArray(json.writeValueAsBytes(value));
    }

    private JavaType type(Class<?> type) {
        return json.getTypeFactory().constructType(type);
    }

    private JavaType pageOf(Class<?> item) {
        return json.getTypeFactory().constructParametricType(Page.class, item);
    }

    private static boolean isGzip(byte[] head) {
        return head.length == 2 && (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b;
    }

    private static String datasetQuery(String name, String... targets) {
        StringBuilder query = new StringBuilder();
        if (name != null) {
            query.append("name=").append(encode(name));
        }
        for (String target : targets) {
            query.append(query.length() == 0 ? "" : "&").append("target=").append(encode(target));
        }
        return query.length() == 0 ? "" : "?" + query;
    }

    private static String query(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put(k1, v1);
        parameters.put(k2, v2);
        return query(parameters);
    }

    private static String query(Map<String, ?> parameters) {
        StringBuilder query = new StringBuilder();
        parameters.forEach((key, value) -> query.append(query.length() == 0 ? "?" : "&")
                .append(encode(key)).append('=').append(encode(String.valueOf(value))));
        return query.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String segment(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("an id is required");
        }
        return encode(id);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing only to wake the reader up
        }
    }

    private static ChainruleException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ChainruleException("interrupted while waiting for the service", e);
    }

    /** Configures a {@link ChainruleClient}; only the base URL is required. */
    public static final class Builder {
        private URI baseUrl;
        private String apiKey;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofMinutes(5);
        private Duration pollInterval = Duration.ofSeconds(1);
        private HttpClient httpClient;

        private Builder() {
        }

        /** Where the service is, e.g. {@code http://localhost:8080}. */
        public Builder baseUrl(String baseUrl) {
            return baseUrl(URI.create(baseUrl));
        }

        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** An API key, sent as {@code Authorization: Bearer <key>}; null or blank for a service without keys. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** How long to wait for a connection (default 10 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** How long to wait for an answer to one request, uploads included (default 5 minutes). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        /** How often {@link ChainruleClient#waitForJob} polls when the event stream is not there (default 1 s). */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = positive(pollInterval, "pollInterval");
            return this;
        }

        /** An HttpClient of your own (proxy, TLS, executor); its settings then replace {@link #connectTimeout}. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public ChainruleClient build() {
            return new ChainruleClient(this);
        }

        private static Duration positive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
