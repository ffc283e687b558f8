package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chainrule.faults.OwnPostgres;
import dev.chainrule.testhttp.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL stopped under the running service, then started again: requests that need the database answer 503
 * {@code /problems/database-unavailable} with Retry-After within seconds (not the pool's 30 s, not a 500), readiness
 * goes DOWN while liveness stays UP, a version already in memory keeps predicting (past its lookup's expiry), and
 * with the database back everything answers 200 and readiness is UP again. The server is one of this test's own
 * ({@link OwnPostgres}), so the one other tests share is never stopped. Every answer is checked against openapi.yaml.
 * The times it observed are printed ("database outage:") for bench/results.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.jobs.workers=1", "chainrule.database.retry-after=7s"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DatabaseOutageApiTest extends ApiTestSupport {
    /** Far above the connection timeout (2 s) and far below the 30 s hang this replaces; a bound, not a target. */
    private static final Duration FAST = Duration.ofSeconds(10);
    private static OwnPostgres postgres;

    @Autowired
    MeterRegistry meters;

    private static final List<String> timings = new ArrayList<>();

    /** Before the context (static, once per class), so that without PostgreSQL the class is skipped, not failed. */
    @BeforeAll
    static void startPostgres() throws Exception {
        assumeTrue(OwnPostgres.binaries() != null, "no PostgreSQL binaries under /usr/lib/postgresql (.ci/postgres.sh installs them)");
        postgres = OwnPostgres.start();
        // stopped when the JVM exits, after this class's context has closed (DirtiesContext), which needs it till then
        OwnPostgres server = postgres;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("could not stop the test's own PostgreSQL: " + e);
            }
        }));
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> postgres.url());
        registry.add("spring.datasource.username", () -> "chainrule");
        registry.add("spring.datasource.password", () -> "");
    }

    @AfterAll
    static void report() {
        System.out.println("database outage: " + String.join("; ", timings));
    }

    @Test
    void anOutageIsA503AndReadinessDownThenEverythingComesBack() throws Exception {
        OpenApiContract contract = new OpenApiContract(Path.of("openapi", "openapi.yaml"));
        String modelId = trainedModel();
        String predict = "/models/" + modelId + "/predict";
        String instances = "{\"instances\": [[0, 0], [1, 0]]}";
        Reply before = post(predict, instances);
        assertThat(before.status()).as(before.body()).isEqualTo(200);
        assertThat(get("/actuator/health/readiness").status()).isEqualTo(200);

        postgres.stopServer();
        long stopped = System.nanoTime();

        // readiness first: the background check alone turns it DOWN, before any request has failed
        Reply readiness = awaitStatus("/actuator/health/readiness", 503, stopped, "readiness DOWN");
        assertThat(readiness.json().path("status").asString()).isEqualTo("DOWN");
        Reply models = timed("GET /models", () -> get("/models"));
        assertUnavailable(contract, "GET", "/models", null, models);
        assertUnavailable(contract, "GET", "/jobs", null, timed("GET /jobs", () -> get("/jobs")));
        String definition = "{\"name\": \"during\", \"inputWidth\": 2, \"layers\": [{\"units\": 2, \"activation\": \"softmax\"}],"
                + " \"loss\": \"cross_entropy\"}";
        assertUnavailable(contract, "POST", "/models", definition, timed("POST /models", () -> post("/models", definition)));
        assertUnavailable(contract, "GET", "/models/" + modelId, null, get("/models/" + modelId));

        timed("GET /actuator/health/readiness (DOWN)", () -> get("/actuator/health/readiness"));
        Reply liveness = get("/actuator/health/liveness");
        assertThat(liveness.status()).as(liveness.body()).isEqualTo(200);
        assertThat(liveness.json().path("status").asString()).isEqualTo("UP");

        // past chainrule.models.version-lookup-ttl (1 s): the lookup has expired, the row last found serves
        pause(Duration.ofMillis(1500));
        Reply during = timed("predict, cached version", () -> post(predict, instances));
        assertThat(during.status()).as(during.body()).isEqualTo(200);
        assertThat(during.json().path("predictions")).isEqualTo(before.json().path("predictions"));
        Reply pinned = post(predict, "{\"version\": 1, \"instances\": [[0, 0], [1, 0]]}");
        assertThat(pinned.status()).as(pinned.body()).isEqualTo(200);
        assertThat(pinned.json().path("predictions")).isEqualTo(before.json().path("predictions"));

        assertThat(meters.get("chainrule.requests.unavailable").tag("cause", "database").counter().count()).isGreaterThanOrEqualTo(4);
        assertThat(meters.get("chainrule.database.outages").counter().count()).isEqualTo(1);
        assertThat(meters.get("chainrule.database.available").gauge().value()).isZero();
        timings.add(String.format("outage of %.1f s while checked", (System.nanoTime() - stopped) / 1e9));

        postgres.startServer();
        long started = System.nanoTime();
        awaitStatus("/models", 200, started, "GET /models 200 again");
        Reply ready = awaitStatus("/actuator/health/readiness", 200, started, "readiness UP again");
        assertThat(ready.json().path("status").asString()).isEqualTo("UP");
        assertThat(meters.get("chainrule.database.available").gauge().value()).isOne();
        assertThat(post(predict, instances).status()).isEqualTo(200);
        Reply created = post("/models", definition);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(meters.get("chainrule.database.outages").counter().count()).isEqualTo(1);
    }

    /** A tiny model trained to one version; returns its id. */
    private String trainedModel() {
        JsonNode model = createModel(2, "cross_entropy", 7, layer(4, "tanh"), layer(2, "softmax"));
        String modelId = model.get("id").asString();
        JsonNode job = train(obj("modelId", modelId, "epochs", 3, "batchSize", 4,
                "optimizer", obj("type", "adam", "learningRate", 0.05),
                "data", data(List.of(List.of(0, 0), List.of(0, 1), List.of(1, 0), List.of(1, 1)), List.of(0, 1, 1, 0))));
        JsonNode done = awaitEnd(job.get("id").asString(), Duration.ofSeconds(60));
        assertThat(status(done)).as(done.toString()).isEqualTo("SUCCEEDED");
        return modelId;
    }

    private void assertUnavailable(OpenApiContract contract, String method, String path, String body, Reply response) {
        JsonNode problem = assertProblem(response, 503, "database-unavailable");
        assertThat(problem.path("detail").asString()).contains("database is unavailable");
        assertThat(response.headers().firstValue("Retry-After")).as("Retry-After of " + method + " " + path).hasValue("7");
        OpenApiContract.Exchange exchange = new OpenApiContract.Exchange(method, path, null,
                body == null ? null : "application/json", body, response.status(), response.headers().map(), response.body());
        List<String> problems = new ArrayList<>(contract.checkRequest(exchange));
        problems.addAll(contract.checkResponse(exchange));
        assertThat(problems).as(method + " " + path + " -> 503 against openapi.yaml").isEmpty();
    }

    private Reply timed(String what, Supplier<Reply> request) {
        long start = System.nanoTime();
        Reply response = request.get();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        timings.add(String.format("%s answered %d in %d ms", what, response.status(), took.toMillis()));
        assertThat(took).as(what + " took " + took + " (" + response + ")").isLessThan(FAST);
        return response;
    }

    /** Polls until the path answers this status; records how long after {@code since} it did. */
    private Reply awaitStatus(String path, int status, long since, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Reply last;
        do {
            last = send(HttpRequest.newBuilder(uri(path)).GET());
            if (last.status() == status) {
                timings.add(String.format("%s %d ms after", what, (System.nanoTime() - since) / 1_000_000));
                return last;
            }
            pause(Duration.ofMillis(50));
        } while (System.nanoTime() < deadline);
        throw new AssertionError(what + ": " + path + " did not answer " + status + " within 60 s; last " + last);
    }
}
