package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * With API keys on, an alias's history names the key of every move: its configured name, or the default (the role
 * and the first 8 hex digits of the key's SHA-256), never the key. A read key may list aliases and predict through
 * one, not move one. A model has at most chainrule.models.max-aliases aliases (2 here).
 */
@KeyedService
class AliasKeysHttpTest extends ApiTestSupport {
    static final String READ = KeyedService.READ;
    static final String BOT = KeyedService.BOT;
    static final String ADMIN = KeyedService.ADMIN;

    @BeforeEach
    void asAdmin() {
        bearer = ADMIN;
    }

    @Test
    void everyMoveNamesItsKeyAndAReadKeyMayOnlyLook() throws Exception {
        TestData.Table iris = TestData.load("iris/iris.csv");
        String model = createModel(4, "cross_entropy", 3, layer(6, "tanh"), layer(3, "softmax")).get("id").asString();
        for (int epochs : new int[] {3, 6}) {
            JsonNode job = train(obj("modelId", model, "data", data(iris.features(), iris.labels()), "epochs", epochs));
            assertThat(status(awaitEnd(job.get("id").asString(), Duration.ofSeconds(60)))).isEqualTo("SUCCEEDED");
        }
        String alias = "/models/" + model + "/aliases/production";

        bearer = BOT;
        assertThat(put(alias, obj("version", 1)).status()).isEqualTo(201);
        bearer = ADMIN;
        assertThat(put(alias, obj("version", 2)).status()).isEqualTo(200);
        bearer = READ;
        assertProblem(put(alias, obj("version", 1)), 403, "forbidden");
        assertProblem(delete(alias), 403, "forbidden");
        assertProblem(put("/models/" + model + "/default-alias", obj("alias", "production")), 403, "forbidden");
        JsonNode predicted = post("/models/" + model + "/predict", obj("instances", List.of(iris.features()[0]),
                "version", "production")).json();
        assertThat(predicted.get("version").asInt()).isEqualTo(2);

        JsonNode shown = get(alias).json();
        List<String> movedBy = new ArrayList<>();
        shown.get("history").forEach(move -> movedBy.add(move.get("movedBy").asString()));
        String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(ADMIN.getBytes(StandardCharsets.UTF_8)), 0, 4);
        assertThat(movedBy).containsExactly("release-bot", "admin-" + fingerprint);
        assertThat(shown.toString()).doesNotContain(ADMIN).doesNotContain(BOT);
        assertThat(get("/models/" + model + "/aliases").json().get("aliases").get(0).get("version").asInt()).isEqualTo(2);

        bearer = ADMIN;
        assertThat(put("/models/" + model + "/aliases/staging", obj("version", 1)).status()).as("the second: at the limit").isEqualTo(201);
        JsonNode third = assertProblem(put("/models/" + model + "/aliases/canary", obj("version", 1)), 400, "invalid-request", "alias");
        assertThat(reason(third, "alias")).contains("chainrule.models.max-aliases").contains("at most 2");
        assertThat(put("/models/" + model + "/aliases/staging", obj("version", 2)).status()).as("moving one still works").isEqualTo(200);
        assertThat(delete("/models/" + model + "/aliases/staging").status()).isEqualTo(204);
        assertThat(put("/models/" + model + "/aliases/canary", obj("version", 1)).status()).as("room again").isEqualTo(201);
    }

    @Override
    void cancelLeftoverJobs() {
        bearer = ADMIN;
        super.cancelLeftoverJobs();
    }
}
