package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.storage.S3ProxyServer;
import dev.chainrule.testhttp.Reply;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The object store stopped (s3proxy, a process of its own) and started again: a request that needs it answers 503
 * storage-unavailable with Retry-After within seconds, readiness goes DOWN (liveness stays UP) and comes back UP, and
 * what does not need the store goes on answering.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"chainrule.storage.s3.connection-timeout=1s", "chainrule.database.health-check-interval=500ms"})
@DirtiesContext
class StorageOutageApiTest extends ApiTestSupport {
    private static S3ProxyServer server;

    @DynamicPropertySource
    static void bucket(DynamicPropertyRegistry registry) throws IOException {
        server = S3ProxyServer.start(Files.createTempDirectory("s3proxy-outage-test"));
        S3ProxyServer.useCredentialsInThisJvm();
        server.settings(S3ProxyServer.BUCKET, "outage/").forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    private Reply upload(byte[] csv) {
        return send(HttpRequest.newBuilder(uri("/datasets?name=iris")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofByteArray(csv)));
    }

    private String readiness() {
        return get("/actuator/health/readiness").json().path("status").asString();
    }

    private void awaitReadiness(String status) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!readiness().equals(status)) {
            assertThat(System.nanoTime()).as("readiness " + status + " within 30 s").isLessThan(deadline);
            pause(Duration.ofMillis(100));
        }
    }

    @Test
    void aStorageOutageIsA503AndReadinessDownThenEverythingComesBack() throws Exception {
        byte[] csv = Files.readAllBytes(TestDatasets.file("iris/iris.csv"));
        assertThat(upload(csv).status()).isEqualTo(201);
        awaitReadiness("UP");

        server.kill();
        long start = System.nanoTime();
        Reply refused = upload(csv);
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode problem = assertProblem(refused, 503, "storage-unavailable");
        assertThat(problem.get("detail").asString()).contains("object store");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(seconds).as("answered within seconds, not a hang").isLessThan(15);
        System.out.printf("upload during the store's outage answered 503 in %.2f s%n", seconds);
        awaitReadiness("DOWN");
        assertThat(get("/actuator/health/liveness").json().path("status").asString()).isEqualTo("UP");
        assertThat(get("/models").status()).as("what needs only the database still answers").isEqualTo(200);

        server.restart();
        awaitReadiness("UP");
        assertThat(upload(csv).status()).isEqualTo(201);
    }
}
