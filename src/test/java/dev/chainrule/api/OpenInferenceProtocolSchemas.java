package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * The Open Inference Protocol's REST objects as JSON Schemas (src/test/resources/open-inference-protocol/, transcribed
 * from the protocol's specification), checked by networknt's validator.
 */
final class OpenInferenceProtocolSchemas {
    private static final String IRI = "https://chainrule.dev/test/open-inference-protocol/rest-schemas.json";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012(),
            builder -> builder.schemas(Map.of(IRI, text())));
    private static final Map<String, Schema> CACHE = new ConcurrentHashMap<>();

    private OpenInferenceProtocolSchemas() {
    }

    private static String text() {
        try (InputStream in = OpenInferenceProtocolSchemas.class.getResourceAsStream("/open-inference-protocol/rest-schemas.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that {@code value} is a valid {@code $defs/<object>} of the protocol. */
    static void assertValid(String object, JsonNode value) {
        assertThat(errors(object, value)).as("%s as the protocol's %s", value, object).isEmpty();
    }

    static List<String> errors(String object, JsonNode value) {
        Schema schema = CACHE.computeIfAbsent(object, o -> REGISTRY.getSchema(SchemaLocation.of(IRI + "#/$defs/" + o)));
        return schema.validate(value).stream().map(Object::toString).toList();
    }
}
