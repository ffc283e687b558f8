package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.OpsHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.NestedTestConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * GET /access over real HTTP: each key learns its role and name (and what it says is what the service then allows),
 * no key or an unknown one gets the usual 401, and without keys every caller has ADMIN. The same keys as
 * ApiKeysHttpTest, so both share one service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chainrule.security.api-keys[0].key=" + AccessHttpTest.READ,
        "chainrule.security.api-keys[0].role=READ",
        "chainrule.security.api-keys[1].key=" + AccessHttpTest.ADMIN,
        "chainrule.security.api-keys[1].role=ADMIN"})
class AccessHttpTest {
    static final String READ = "read-key-4f1c2a9e8b7d6c5a";
    static final String ADMIN = "admin-key-9e8d7c6b5a4f3e2d";

    @Value("${local.server.port}")
    int port;

    private OpsHttp http;

    @BeforeEach
    void client() {
        http = new OpsHttp(port);
    }

    /** The default name of a key without one: its role in lower case and the first 8 hex digits of its SHA-256. */
    private static String defaultName(String role, String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return role + "-" + HexFormat.of().formatHex(digest).substring(0, 8);
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/json"));
        return OpsHttp.json(response);
    }

    @Test
    void aReadKeyLearnsItMayOnlyReadAndTheServiceAgrees() throws Exception {
        JsonNode access = ok(http.get("/access", READ));
        assertThat(access.get("access").asString()).isEqualTo("READ");
        assertThat(access.get("keyName").asString()).isEqualTo(defaultName("read", READ));
        assertThat(access.propertyNames()).containsExactlyInAnyOrder("access", "keyName");
        assertThat(access.toString()).doesNotContain(READ);

        assertThat(http.get("/models", READ).statusCode()).isEqualTo(200);
        assertThat(http.post("/models", READ, OpsHttp.TINY_MODEL).statusCode()).isEqualTo(403);
    }

    @Test
    void anAdminKeyLearnsItMayDoEverythingAndTheServiceAgrees() throws Exception {
        JsonNode access = ok(http.get("/access", ADMIN));
        assertThat(access.get("access").asString()).isEqualTo("ADMIN");
        assertThat(access.get("keyName").asString()).isEqualTo(defaultName("admin", ADMIN));
        assertThat(access.toString()).doesNotContain(ADMIN);

        String modelId = http.createTinyModel(ADMIN);
        assertThat(http.deleteModel(ADMIN, modelId).statusCode()).isEqualTo(204);
    }

    @Test
    void noKeyOrAnUnknownOneIs401LikeEverywhereElse() throws Exception {
        HttpResponse<String> none = http.get("/access", null);
        assertUnauthorized(none);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"chainrule\"");
        for (String key : List.of("not-a-key", READ + "x", ADMIN.substring(1))) {
            HttpResponse<String> unknown = http.get("/access", key);
            assertUnauthorized(unknown);
            assertThat(unknown.headers().firstValue("WWW-Authenticate"))
                    .hasValue("Bearer realm=\"chainrule\", error=\"invalid_token\"");
        }
    }

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = OpsHttp.json(response);
        assertThat(problem.get("type").asString()).isEqualTo("/problems/unauthorized");
        assertThat(problem.get("status").asInt()).isEqualTo(401);
        assertThat(problem.get("instance").asString()).isEqualTo("/access");
        assertThat(problem.has("access")).isFalse();
    }

    /** The default service, without keys (the same context as ApiOpenModeHttpTest). */
    @Nested
    @NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class WithoutKeys {
        @Value("${local.server.port}")
        int openPort;

        @Test
        void everyCallerHasAdminAccessAndNoKeyName() throws Exception {
            OpsHttp open = new OpsHttp(openPort);
            for (String key : new String[] {null, "whatever-key"}) {
                JsonNode access = ok(open.get("/access", key));
                assertThat(access.get("access").asString()).as("key %s", key).isEqualTo("ADMIN");
                assertThat(access.has("keyName")).as("key %s", key).isFalse();
            }
            String modelId = open.createTinyModel(null);
            assertThat(open.deleteModel(null, modelId).statusCode()).isEqualTo(204);
        }
    }
}
