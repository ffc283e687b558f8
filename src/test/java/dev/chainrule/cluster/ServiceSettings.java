package dev.chainrule.cluster;

import dev.chainrule.config.ChainruleProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settings the service reads, for checking deployment files against: every {@code chainrule.*} property of
 * {@link ChainruleProperties} (its records, walked by reflection) and every property Spring Boot documents in its
 * configuration metadata ({@code spring.datasource.url}, {@code server.port}, ...). An environment variable names a
 * setting when Spring Boot's own environment mapping binds it to one of them.
 */
final class ServiceSettings {
    /**
     * Settings issue 13 adds, accepted while {@link ChainruleProperties} has no component of their group yet (the
     * storage and cluster records land on other branches); once it has one, only what it really binds counts.
     */
    private static final Map<String, List<String>> PENDING = Map.of(
            "storage", List.of("chainrule.storage.type", "chainrule.storage.cache-dir", "chainrule.storage.cache-size",
                    "chainrule.storage.orphan-grace", "chainrule.storage.s3.endpoint", "chainrule.storage.s3.region",
                    "chainrule.storage.s3.bucket", "chainrule.storage.s3.prefix", "chainrule.storage.s3.path-style-access",
                    "chainrule.storage.s3.request-checksum-calculation", "chainrule.storage.s3.response-checksum-validation"),
            "cluster", List.of("chainrule.cluster.replica-id", "chainrule.cluster.lease-duration",
                    "chainrule.cluster.lease-renewal-interval", "chainrule.cluster.claim-interval"));

    /** Environment variables that are not Spring properties but that the service's libraries read. */
    static final Set<String> LIBRARY_ENV = Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
            "JDK_JAVA_OPTIONS");

    private static final int LIST_INDICES = 10;
    private final Set<String> properties = new TreeSet<>();

    ServiceSettings() {
        chainrule("chainrule", ChainruleProperties.class);
        Set<String> groups = Arrays.stream(ChainruleProperties.class.getRecordComponents()).map(RecordComponent::getName)
                .collect(java.util.stream.Collectors.toSet());
        PENDING.forEach((group, names) -> {
            if (!groups.contains(group)) {
                properties.addAll(names);
            }
        });
        springBoot();
    }

    Set<String> properties() {
        return Collections.unmodifiableSet(properties);
    }

    /** The property {@code env} sets, by Spring Boot's relaxed binding of environment variables. */
    Optional<String> propertyOf(String env) {
        Iterable<ConfigurationPropertySource> sources = ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(env, "value")));
        for (String property : properties) {
            if (!ConfigurationPropertyName.isValid(property)) {
                continue;
            }
            ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
            for (ConfigurationPropertySource source : sources) {
                if (source.getConfigurationProperty(name) != null) {
                    return Optional.of(property);
                }
            }
        }
        return Optional.empty();
    }

    private void chainrule(String prefix, Class<?> type) {
        for (RecordComponent component : type.getRecordComponents()) {
            String name = prefix + "." + kebab(component.getName());
            Class<?> valueType = component.getType();
            if (valueType.isRecord()) {
                chainrule(name, valueType);
            } else if (List.class.isAssignableFrom(valueType)
                    && component.getGenericType() instanceof ParameterizedType list
                    && list.getActualTypeArguments()[0] instanceof Class<?> element && element.isRecord()) {
                for (int i = 0; i < LIST_INDICES; i++) {
                    chainrule(name + "[" + i + "]", element);
                }
            } else {
                properties.add(name);
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private void springBoot() {
        JsonMapper json = JsonMapper.builder().build();
        try {
            for (URL metadata : Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = metadata.openStream()) {
                    for (JsonNode property : json.readTree(in).path("properties")) {
                        properties.add(property.path("name").asString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!properties.contains("spring.datasource.url") || !properties.contains("server.port")) {
            throw new IllegalStateException("Spring Boot's configuration metadata is not on the test classpath");
        }
    }
}
