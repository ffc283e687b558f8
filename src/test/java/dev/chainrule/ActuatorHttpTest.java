package dev.chainrule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * The operations endpoints over real HTTP: Prometheus shows the service's own meters once a model has been
 * trained and asked for a prediction, and /actuator/info names the build and the git commit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ActuatorHttpTest {

    @Value("${local.server.port}")
    int port;

    private TestHttp http;

    @BeforeEach
    void client() {
        http = TestHttp.at(port);
    }

    @Test
    void prometheusShowsJobTrainingAndPredictionMeters() throws Exception {
        String modelId = TinyModel.trained(http);
        Reply predicted = http.post("/models/" + modelId + "/predict", "{\"instances\": " + TinyModel.INSTANCES + "}");
        assertThat(predicted.status()).as(predicted.body()).isEqualTo(200);

        Reply scrape = http.get("/actuator/prometheus");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        String metrics = scrape.body();
        assertThat(metrics)
                .containsPattern("(?m)^chainrule_jobs\\{state=\"QUEUED\"[^}]*} ")
                .containsPattern("(?m)^chainrule_jobs\\{state=\"SUCCEEDED\"[^}]*} [1-9]")
                .containsPattern("(?m)^chainrule_jobs_queue_depth(\\{[^}]*})? ")
                // 3 epochs of 8 rows at least
                .containsPattern("(?m)^chainrule_training_samples_total(\\{[^}]*})? ([2-9]\\d|\\d{3,})")
                .containsPattern("(?m)^chainrule_training_epoch_duration_seconds_count(\\{[^}]*})? [1-9]")
                .containsPattern("(?m)^chainrule_prediction_latency_seconds_bucket\\{[^}]*le=\"\\+Inf\"[^}]*} [1-9]");
    }

    @Test
    void infoNamesTheBuildAndTheCommit() throws Exception {
        Reply response = http.get("/actuator/info");
        assertThat(response.status()).isEqualTo(200);
        JsonNode info = response.json();
        assertThat(info.path("build").path("version").asString()).isNotBlank();
        assertThat(info.path("build").path("artifact").asString()).isEqualTo("chainrule");
        // git.properties is written when the build runs in a git checkout (pom.xml, profile git-info); a build
        // from a tarball has no .git and so no git section
        if (Files.exists(Path.of(".git"))) {
            assertThat(info.path("git").path("commit").path("id").asString()).matches("[0-9a-f]{7,40}");
        } else {
            assertThat(info.has("git")).isFalse();
        }
    }
}
