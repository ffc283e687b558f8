package dev.chainrule.storage;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives every test application context a data directory of its own under target/test-data (unless the test sets
 * {@code chainrule.data-dir}), so contexts never see each other's models, jobs or database.
 */
public class TestDataDirectory implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("chainrule.data-dir")) {
            return;
        }
        Path dir = Path.of("target", "test-data", UUID.randomUUID().toString()).toAbsolutePath();
        environment.getPropertySources().addLast(new MapPropertySource("chainrule-test-data-dir",
                Map.of("chainrule.data-dir", dir.toString())));
    }

    /** Before {@link EmbeddedDatabaseDefault}, which puts the database inside this directory. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 1;
    }
}
