package dev.chainrule.storage;

import dev.chainrule.ChainruleApplication;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole application (without its web server) on a given data directory and database, for tests that stop it
 * and start it again on the same ones. Settings go in as command-line arguments, which outrank application.yaml
 * (builder properties would only be defaults beneath it).
 */
public final class ServiceOnDisk {
    private ServiceOnDisk() {
    }

    /**
     * @param database datasource settings ({@link PostgresDatabase#properties()}), or empty for the embedded default
     * @param settings any other properties
     */
    public static ConfigurableApplicationContext start(Path dataDir, Map<String, Object> database, Map<String, Object> settings) {
        Map<String, Object> all = new LinkedHashMap<>(database);
        all.putAll(settings);
        all.put("chainrule.data-dir", dataDir.toString());
        String[] arguments = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(ChainruleApplication.class).web(WebApplicationType.NONE).run(arguments);
    }
}
