package dev.chainrule.storage;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The PostgreSQL server the store's integration tests run against a second time. {@code .ci/run} installs and
 * starts Debian's PostgreSQL on loopback and sets {@value #URL}; elsewhere, without it, those tests are skipped
 * with this class's message. Each application context gets a schema of its own, created by Flyway.
 */
public final class PostgresDatabase {
    public static final String URL = "CHAINRULE_TEST_POSTGRES_URL";

    private PostgresDatabase() {
    }

    /** Marks a test class that needs the server. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @EnabledIfEnvironmentVariable(named = URL, matches = ".+",
            disabledReason = "PostgreSQL store tests skipped: " + URL + " is not set (.ci/postgres.sh starts a server and prints it)")
    public @interface Required {
    }

    /** Points the context's datasource at a fresh schema of the test server. */
    public static void register(DynamicPropertyRegistry registry) {
        properties().forEach((name, value) -> registry.add(name, () -> value));
    }

    /** Datasource settings for a fresh schema of the test server; the same map reaches the same schema again. */
    public static Map<String, Object> properties() {
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
        String url = System.getenv(URL);
        return Map.of(
                "spring.datasource.url", url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                "spring.datasource.username", System.getenv().getOrDefault("CHAINRULE_TEST_POSTGRES_USER", "chainrule"),
                "spring.datasource.password", System.getenv().getOrDefault("CHAINRULE_TEST_POSTGRES_PASSWORD", ""),
                "spring.flyway.default-schema", schema,
                "spring.flyway.create-schemas", "true");
    }
}
