package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.TinyModel;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
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
 * ApiKeysHttpTest (@KeyedService), so both share one service.
 */
@KeyedService
class AccessHttpTest {
    static final String READ = KeyedService.READ;
    static final String ADMIN = KeyedService.ADMIN;

    @Value("${local.server.port}")
    int port;

    private TestHttp http;

    @BeforeEach
    void client() {
        http = TestHttp.at(port);
    }

    /** The default name of a key without one: its role in lower case and the first 8 hex digits of its SHA-256. */
    private static String defaultName(String role, String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return role + "-" + HexFormat.of().formatHex(digest).substring(0, 8);
    }

    private static JsonNode ok(Reply response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/json"));
        return response.json();
    }

    @Test
    void aReadKeyLearnsItMayOnlyReadAndTheServiceAgrees() throws Exception {
        JsonNode access = ok(http.withKey(READ).get("/access"));
        assertThat(access.get("access").asString()).isEqualTo("READ");
        assertThat(access.get("keyName").asString()).isEqualTo(defaultName("read", READ));
        assertThat(access.propertyNames()).containsExactlyInAnyOrder("access", "keyName");
        assertThat(access.toString()).doesNotContain(READ);

        assertThat(http.withKey(READ).get("/models").status()).isEqualTo(200);
        assertThat(http.withKey(READ).post("/models", TinyModel.DEFINITION).status()).isEqualTo(403);
    }

    @Test
    void anAdminKeyLearnsItMayDoEverythingAndTheServiceAgrees() throws Exception {
        JsonNode access = ok(http.withKey(ADMIN).get("/access"));
        assertThat(access.get("access").asString()).isEqualTo("ADMIN");
        assertThat(access.get("keyName").asString()).isEqualTo(defaultName("admin", ADMIN));
        assertThat(access.toString()).doesNotContain(ADMIN);

        String modelId = TinyModel.create(http.withKey(ADMIN));
        assertThat(http.withKey(ADMIN).delete("/models/" + modelId).status()).isEqualTo(204);
    }

    @Test
    void noKeyOrAnUnknownOneIs401LikeEverywhereElse() throws Exception {
        Reply none = http.get("/access");
        assertUnauthorized(none);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"chainrule\"");
        for (String key : List.of("not-a-key", READ + "x", ADMIN.substring(1))) {
            Reply unknown = http.withKey(key).get("/access");
            assertUnauthorized(unknown);
            assertThat(unknown.headers().firstValue("WWW-Authenticate"))
                    .hasValue("Bearer realm=\"chainrule\", error=\"invalid_token\"");
        }
    }

    private static void assertUnauthorized(Reply response) {
        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = response.json();
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
            TestHttp open = TestHttp.at(openPort);
            for (String key : new String[] {null, "whatever-key"}) {
                JsonNode access = ok(open.withKey(key).get("/access"));
                assertThat(access.get("access").asString()).as("key %s", key).isEqualTo("ADMIN");
                assertThat(access.has("keyName")).as("key %s", key).isFalse();
            }
            String modelId = TinyModel.create(open);
            assertThat(open.delete("/models/" + modelId).status()).isEqualTo(204);
        }
    }
}
