package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Points the datasource at an H2 database inside the data directory unless {@code spring.datasource.url} is set
 * (PostgreSQL, say). H2 wants an absolute file path, which a plain property placeholder cannot make of a relative
 * {@code chainrule.data-dir}; so the default is computed here, as the lowest-precedence source.
 */
public class EmbeddedDatabaseDefault implements EnvironmentPostProcessor, Ordered {
    static final String SOURCE = "chainrule-embedded-database";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("spring.datasource.url")) {
            return;
        }
        Path dataDir = Path.of(environment.getProperty("chainrule.data-dir", ChainruleProperties.DEFAULT_DATA_DIR))
                .toAbsolutePath().normalize();
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(
                "spring.datasource.url", h2Url(dataDir),
                "spring.datasource.username", "sa",
                "spring.datasource.password", "")));
    }

    /**
     * PostgreSQL mode keeps the SQL portable; the database stays open until the pool closes it, so shutdown hooks
     * that record jobs' states still reach it; WRITE_DELAY=0 writes every commit out at once (H2 otherwise holds
     * commits up to half a second, which a killed process loses while the files they named are already gone).
     */
    static String h2Url(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.resolve("db").resolve("chainrule")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    }

    /** After the application's own configuration files are read, so it sees their data directory. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
