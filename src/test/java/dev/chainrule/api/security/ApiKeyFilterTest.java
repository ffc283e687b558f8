package dev.chainrule.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** The key filter's rules without a server: header parsing, configuration checks (what each request needs: RouteAccessTest). */
class ApiKeyFilterTest {

    private static ApiKeyFilter filter(ApiKey... keys) {
        return new ApiKeyFilter(new ChainruleProperties(null, null, new ChainruleProperties.Security(Arrays.asList(keys)), null, null, null, null, null),
                null); // the routes are RouteAccessTest's
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
