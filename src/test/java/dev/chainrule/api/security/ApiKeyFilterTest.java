package dev.chainrule.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.api.security.ApiKeyFilter.Access;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.config.ChainruleProperties.ApiKey;
import dev.chainrule.config.ChainruleProperties.Role;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The key filter's rules without a server: what each request needs, header parsing, configuration checks. */
class ApiKeyFilterTest {

    private static ApiKeyFilter filter(ApiKey... keys) {
        return new ApiKeyFilter(new ChainruleProperties(null, null, new ChainruleProperties.Security(Arrays.asList(keys)), null, null, null, null, null),
                "/actuator");
    }

    private final ApiKeyFilter filter = filter(new ApiKey("read-key-0123456789", Role.READ, null));

    @Test
    void healthAndItsGroupsAreOpenToGetAndHeadOnly() {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
                "/actuator/health/db", "/livez", "/readyz", "/v2/health/live", "/v2/health/ready")) {
            assertThat(filter.access("GET", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(filter.access("HEAD", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(filter.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    @Test
    void pathsThatOnlyLookLikeHealthNeedAKey() {
        for (String path : List.of("/actuator/healthz", "/actuator/health/../info", "/actuator/health/..;/info",
                "/actuator/health/%2e%2e/info", "/actuator/health;x=y", "/actuator/health//liveness",
                "/actuator/info", "/actuator/prometheus", "/health", "/error")) {
            assertThat(filter.access("GET", path)).as(path).isEqualTo(Access.READ);
        }
    }

    @Test
    void aMovedActuatorBasePathMovesTheOpenHealthPath() {
        ApiKeyFilter moved = new ApiKeyFilter(new ChainruleProperties(null, null,
                new ChainruleProperties.Security(List.of(new ApiKey("read-key-0123456789", Role.READ, null))), null, null, null, null, null), "/manage/");
        assertThat(moved.access("GET", "/manage/health/readiness")).isEqualTo(Access.OPEN);
        assertThat(moved.access("GET", "/actuator/health")).isEqualTo(Access.READ);
    }

    @Test
    void theStaticPagesAreOpenToGetAndHeadOnly() {
        for (String path : List.of("/", "/ui", "/ui/", "/ui/index.html", "/ui/js/api.js", "/ui/app.css",
                "/webjars/uplot/dist/uPlot.esm.js", "/webjars/swagger-ui/swagger-ui-bundle.js", "/swagger-ui.html",
                "/openapi.yaml")) {
            assertThat(filter.access("GET", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(filter.access("HEAD", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(filter.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    @Test
    void pathsThatOnlyLookLikeStaticPagesNeedAKey() {
        for (String path : List.of("/ui/../models", "/ui/./x", "/ui/%2e%2e/models", "/ui/..", "/ui/x;y",
                "/webjars/../models", "/webjars", "/webjars/", "/ui//x", "/uix", "//", "/openapi.yaml/", "/swagger-ui.htm",
                "/models/ui", "/x/openapi.yaml")) {
            assertThat(filter.access("GET", path)).as(path).isEqualTo(Access.READ);
        }
    }

    @Test
    void readsAndPredictionsNeedAReadKey() {
        assertThat(filter.access("GET", "/models")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/jobs")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/jobs/abc/events")).isEqualTo(Access.READ);
        assertThat(filter.access("HEAD", "/jobs/abc")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/swagger-ui/index.html")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/actuator/metrics/chainrule.jobs")).isEqualTo(Access.READ);
        assertThat(filter.access("POST", "/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11/predict")).isEqualTo(Access.READ);
        assertThat(filter.access("POST", "/models/abc/input-gradients")).isEqualTo(Access.READ);
        // the Open Inference Protocol: its metadata are GETs, its inference a POST that changes nothing
        assertThat(filter.access("GET", "/v2")).isEqualTo(Access.READ);
        assertThat(filter.access("GET", "/v2/models/iris/versions/2/ready")).isEqualTo(Access.READ);
        assertThat(filter.access("POST", "/v2/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11/infer")).isEqualTo(Access.READ);
        assertThat(filter.access("POST", "/v2/models/iris/versions/2/infer")).isEqualTo(Access.READ);
        assertThat(filter.access("POST", "/v2/models/iris/versions/../../../../train/infer")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("POST", "/v2/models/iris/versions/2/infer/x")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("POST", "/v2/health/ready")).isEqualTo(Access.ADMIN);
    }

    @Test
    void everythingElseNeedsAnAdminKey() {
        assertThat(filter.access("POST", "/models")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("DELETE", "/models/abc")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("POST", "/train")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("POST", "/jobs/abc/cancel")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("PUT", "/models/abc")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("OPTIONS", "/models")).isEqualTo(Access.ADMIN);
        assertThat(filter.access("POST", "/actuator/shutdown")).isEqualTo(Access.ADMIN);
        // a predict path that could be read another way is not a read
        for (String path : List.of("/models/abc/predict/../../../train", "/models/../train/predict",
                "/models/abc/predict;x", "/models/a%2Fb/predict", "/models/abc/predict/", "/models//predict")) {
            assertThat(filter.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    @Test
    void bearerTokens() {
        assertThat(ApiKeyFilter.bearerToken("Bearer abc")).isEqualTo("abc");
        assertThat(ApiKeyFilter.bearerToken("bearer abc")).isEqualTo("abc");
        assertThat(ApiKeyFilter.bearerToken("BEARER   abc  ")).isEqualTo("abc");
        assertThat(ApiKeyFilter.bearerToken("Bearer ")).isNull();
        assertThat(ApiKeyFilter.bearerToken("Bearer")).isNull();
        assertThat(ApiKeyFilter.bearerToken("Basic YWJjOmRlZg==")).isNull();
        assertThat(ApiKeyFilter.bearerToken("abc")).isNull();
        assertThat(ApiKeyFilter.bearerToken(null)).isNull();
    }

    @Test
    void badKeyConfigurationStopsTheStart() {
        assertThatThrownBy(() -> filter(new ApiKey(" ", Role.READ, null)))
                .hasMessageContaining("chainrule.security.api-keys[0].key must not be blank");
        assertThatThrownBy(() -> filter(new ApiKey("read-key-0123456789", Role.READ, null), new ApiKey("admin-key-0123456789", null, null)))
                .hasMessageContaining("chainrule.security.api-keys[1].role is required");
        assertThatThrownBy(() -> filter(new ApiKey("same-key-0123456789", Role.READ, null), new ApiKey("same-key-0123456789", Role.ADMIN, null)))
                .hasMessageContaining("chainrule.security.api-keys[1].key is listed twice");
        assertThatThrownBy(() -> filter(new ApiKey("key-0123456789abcdef ", Role.READ, null)))
                .hasMessageContaining("white space");
        assertThatThrownBy(() -> filter(new ApiKey("one-key-0123456789", Role.READ, "ops"), new ApiKey("two-key-0123456789", Role.ADMIN, "ops")))
                .hasMessageContaining("chainrule.security.api-keys[1].name 'ops' is another key's name too");
        assertThatThrownBy(() -> filter(new ApiKey("one-key-0123456789", Role.READ, "x".repeat(ApiKey.MAX_NAME_LENGTH + 1))))
                .hasMessageContaining("chainrule.security.api-keys[0].name must be 1 to " + ApiKey.MAX_NAME_LENGTH);
        filter(new ApiKey("one-key-0123456789", Role.READ, "x".repeat(ApiKey.MAX_NAME_LENGTH))); // at the limit: fine
        assertThatThrownBy(() -> filter(new ApiKey("one-key-0123456789", Role.READ, " ")))
                .hasMessageContaining("chainrule.security.api-keys[0].name must be 1 to");
    }

    @Test
    void aKeyWithoutANameIsNamedByItsRoleAndAFingerprintNeverByItself() throws Exception {
        ApiKey key = new ApiKey("secret-0123456789", Role.ADMIN, null);
        String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("secret-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(key.nameOrDefault()).isEqualTo("admin-" + digest.substring(0, 8)).doesNotContain("secret");
        assertThat(new ApiKey("secret-0123456789", Role.READ, "ci").nameOrDefault()).isEqualTo("ci");
    }

    @Test
    void keysNeverShowInToString() {
        ApiKey key = new ApiKey("secret-0123456789", Role.ADMIN, null);
        assertThat(key.toString()).doesNotContain("secret").contains("ADMIN");
        assertThat(new ChainruleProperties(null, null, new ChainruleProperties.Security(List.of(key)), null, null, null, null, null).toString())
                .doesNotContain("secret");
    }

    /**
     * README, "Configuration": settings from environment variables, dashes as underscores or dropped, e.g.
     * CHAINRULE_SECURITY_API_KEYS_0_KEY, over application.yaml's empty list of keys.
     */
    @Test
    void settingsAndKeysBindFromEnvironmentVariables() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                "CHAINRULE_SECURITY_API_KEYS_0_KEY", "env-read-key-0123456789",
                "CHAINRULE_SECURITY_API_KEYS_0_ROLE", "read",
                "CHAINRULE_SECURITY_APIKEYS_1_KEY", "env-admin-key-0123456789",
                "CHAINRULE_SECURITY_APIKEYS_1_ROLE", "ADMIN",
                "CHAINRULE_LIMITS_MAX_PREDICT_ROWS", "500",
                "CHAINRULE_JOBS_WORKERS", "3")));
        // what application.yaml's "api-keys: []" becomes
        environment.getPropertySources().addLast(new MapPropertySource("application.yaml",
                Map.of("chainrule.security.api-keys", "")));

        ChainruleProperties properties = Binder.get(environment).bind("chainrule", ChainruleProperties.class).get();

        assertThat(properties.security().apiKeys()).extracting(ApiKey::key, ApiKey::role).containsExactly(
                org.assertj.core.groups.Tuple.tuple("env-read-key-0123456789", Role.READ),
                org.assertj.core.groups.Tuple.tuple("env-admin-key-0123456789", Role.ADMIN));
        assertThat(properties.limits().maxPredictRows()).isEqualTo(500);
        assertThat(properties.jobs().workers()).isEqualTo(3);
    }
}
