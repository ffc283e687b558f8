package dev.chainrule.api;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks HTTP requests and responses against openapi/openapi.yaml: the operation (path template and method), its
 * path and query parameters, the request body's media type and schema, the response status, its headers, its
 * media type and body. Schemas are checked by networknt's JSON Schema validator with the OpenAPI 3.1 dialect
 * (JSON Schema 2020-12: type arrays, const, if/then, unevaluatedProperties, formats asserted). A
 * {@code text/event-stream} body is split into its events, each checked against the media type's
 * {@code x-itemSchema} and its data against the {@code contentSchema} of the event's branch.
 *
 * <p>Every operation a check matched is remembered, so a test can tell which ones nothing exercised.
 */
final class OpenApiContract {
    private static final String SPEC_IRI = "urn:chainrule:openapi.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JsonNode spec;
    private final SchemaRegistry schemas;
    private final Map<String, Schema> schemaCache = new ConcurrentHashMap<>();
    private final List<PathTemplate> templates = new ArrayList<>();
    private final Set<String> exercised = Collections.synchronizedSet(new LinkedHashSet<>());

    /** One path of the spec, and the regular expression its concrete paths match. */
    private record PathTemplate(String template, Pattern pattern, List<String> names) {
    }

    /** A node of the spec and its JSON pointer, after following $refs. */
    record Located(JsonNode node, String pointer) {
        boolean isMissing() {
            return node == null || node.isMissingNode();
        }

        Located at(String... tokens) {
            JsonNode n = node;
            StringBuilder p = new StringBuilder(pointer);
            for (String token : tokens) {
                n = n == null ? null : n.path(token);
                p.append('/').append(token.replace("~", "~0").replace("/", "~1"));
            }
            return new Located(n, p.toString());
        }
    }

    /** What was sent and what came back, as the checks need them. Header names are case-insensitive. */
    record Exchange(String method, String path, String query, String requestContentType, String requestBody,
                    int status, Map<String, List<String>> responseHeaders, String responseBody) {

        Optional<String> responseHeader(String name) {
            return responseHeaders.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }
    }

    OpenApiContract(Path specFile) throws IOException {
        String text = Files.readString(specFile);
        this.spec = YAMLMapper.builder().build().readTree(text);
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build();
        this.schemas = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                builder -> builder.schemas(Map.of(SPEC_IRI, text)).schemaRegistryConfig(config));
        for (String template : spec.path("paths").propertyNames()) {
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
            StringBuilder regex = new StringBuilder();
            int last = 0;
            while (m.find()) {
                regex.append(Pattern.quote(template.substring(last, m.start()))).append("([^/]+)");
                names.add(m.group(1));
                last = m.end();
            }
            regex.append(Pattern.quote(template.substring(last)));
            templates.add(new PathTemplate(template, Pattern.compile(regex.toString()), names));
        }
        // a literal segment wins over a variable one (/models/import before /models/{id}), as in the server
        templates.sort(java.util.Comparator.comparingInt(t -> t.names().size()));
    }

    JsonNode spec() {
        return spec;
    }

    /** "GET /models/{id}" for every operation in the spec. */
    Set<String> operations() {
        Set<String> out = new LinkedHashSet<>();
        spec.path("paths").forEachEntry((template, item) -> item.propertyNames().stream()
                .filter(METHODS::contains).forEach(method -> out.add(method.toUpperCase(Locale.ROOT) + " " + template)));
        return out;
    }

    /** The operations that a request matched so far. */
    Set<String> exercised() {
        synchronized (exercised) {
            return new LinkedHashSet<>(exercised);
        }
    }

    /** Everything about the request that breaks the spec; empty when it conforms. */
    List<String> checkRequest(Exchange exchange) {
        List<String> problems = new ArrayList<>();
        Optional<Operation> found = operation(exchange.method(), exchange.path(), problems);
        if (found.isEmpty()) {
            return problems;
        }
        Operation op = found.get();
        Map<String, List<String>> query = parseQuery(exchange.query());
        Set<String> known = new LinkedHashSet<>();
        for (Located parameter : op.parameters()) {
            String name = parameter.node().path("name").asString();
            String in = parameter.node().path("in").asString();
            boolean required = parameter.node().path("required").asBoolean(false);
            Located schema = resolve(parameter.at("schema"));
            JsonNode value = switch (in) {
                case "path" -> {
                    String text = op.pathValues().get(name);
                    yield text == null ? null : coerce(text, schema.node());
                }
                case "query" -> {
                    known.add(name);
                    List<String> values = query.get(name);
                    yield values == null ? null : coerceQuery(name, values, parameter.node(), schema, problems);
                }
                default -> null; // headers and cookies: none in this API
            };
            if (value == null) {
                if (required) {
                    problems.add(in + " parameter '" + name + "' is required");
                }
                continue;
            }
            validate(schema.pointer(), value, "parameter '" + name + "'", problems);
        }
        for (String name : query.keySet()) {
            if (!known.contains(name)) {
                problems.add("query parameter '" + name + "' is not in the spec");
            }
        }
        Located body = resolve(op.node().at("requestBody"));
        boolean hasBody = exchange.requestBody() != null && !exchange.requestBody().isEmpty();
        if (body.isMissing()) {
            if (hasBody) {
                problems.add("the operation takes no request body, but one was sent");
            }
            return problems;
        }
        if (!hasBody) {
            if (body.node().path("required").asBoolean(false)) {
                problems.add("the request body is required");
            }
            return problems;
        }
        checkContent(body.at("content"), exchange.requestContentType(), exchange.requestBody(), "request body", problems);
        return problems;
    }

    /** Everything about the response that breaks the spec; empty when it conforms. */
    List<String> checkResponse(Exchange exchange) {
        List<String> problems = new ArrayList<>();
        Optional<Operation> found = operation(exchange.method(), exchange.path(), problems);
        if (found.isEmpty()) {
            return problems;
        }
        Located responses = found.get().node().at("responses");
        Located response = resolve(responses.at(Integer.toString(exchange.status())));
        if (response.isMissing()) {
            response = resolve(responses.at("default"));
        }
        if (response.isMissing()) {
            problems.add("status " + exchange.status() + " is not a documented response (documented: "
                    + responses.node().propertyNames() + ")");
            return problems;
        }
        Located headers = response.at("headers");
        if (!headers.isMissing()) {
            for (String name : headers.node().propertyNames()) {
                Located header = resolve(headers.at(name));
                Optional<String> value = exchange.responseHeader(name);
                if (value.isEmpty()) {
                    if (header.node().path("required").asBoolean(false)) {
                        problems.add("response header '" + name + "' is required");
                    }
                    continue;
                }
                Located schema = resolve(header.at("schema"));
                validate(schema.pointer(), coerce(value.get(), schema.node()), "response header '" + name + "'", problems);
            }
        }
        Located content = response.at("content");
        boolean hasBody = exchange.responseBody() != null && !exchange.responseBody().isEmpty();
        if (content.isMissing()) {
            if (hasBody) {
                problems.add("status " + exchange.status() + " documents no body, but one came: " + exchange.responseBody());
            }
            return problems;
        }
        checkContent(content, exchange.responseHeader("Content-Type").orElse(null), exchange.responseBody(),
                "response body", problems);
        return problems;
    }

    private void checkContent(Located content, String contentType, String body, String what, List<String> problems) {
        if (contentType == null) {
            problems.add(what + " has no Content-Type (documented: " + content.node().propertyNames() + ")");
            return;
        }
        String mediaType = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        Located media = content.at(mediaType);
        if (media.isMissing()) {
            problems.add(what + " is " + mediaType + ", not a documented media type (documented: "
                    + content.node().propertyNames() + ")");
            return;
        }
        if (mediaType.equals("text/event-stream")) {
            checkEventStream(media, body, what, problems);
            return;
        }
        if (mediaType.equals("multipart/form-data")) {
            JsonNode form = multipartForm(contentType, body == null ? "" : body, what, problems);
            if (form != null) {
                validate(resolve(media.at("schema")).pointer(), form, what, problems);
            }
            return;
        }
        if (!isJson(mediaType)) {
            if (media.at("schema").isMissing()) {
                return; // binary content (a model file): the spec describes no structure to check
            }
            validate(resolve(media.at("schema")).pointer(), JsonNodeFactory.instance.stringNode(body == null ? "" : body),
                    what, problems);
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body == null ? "" : body);
        } catch (JacksonException e) {
            problems.add(what + " is not JSON: " + e.getOriginalMessage());
            return;
        }
        if (json == null || json.isMissingNode()) {
            problems.add(what + " is empty");
            return;
        }
        validate(resolve(media.at("schema")).pointer(), json, what, problems);
    }

    /**
     * A multipart/form-data body as the object its schema describes: each part by its name, the text of a file part
     * as a string, a name sent more than once as an array of its values.
     */
    private static JsonNode multipartForm(String contentType, String body, String what, List<String> problems) {
        Matcher boundary = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(contentType);
        if (!boundary.find()) {
            problems.add(what + ": multipart/form-data without a boundary");
            return null;
        }
        String delimiter = "--" + boundary.group(1);
        Map<String, List<String>> values = new LinkedHashMap<>();
        String[] parts = body.split(Pattern.quote(delimiter), -1);
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            if (part.startsWith("--")) {
                break; // the closing delimiter
            }
            int headersEnd = part.indexOf("\r\n\r\n");
            if (headersEnd < 0) {
                problems.add(what + ": a part without headers");
                return null;
            }
            Matcher name = Pattern.compile("(?i)content-disposition:[^\r\n]*;\\s*name=\"([^\"]*)\"").matcher(part.substring(0, headersEnd));
            if (!name.find()) {
                problems.add(what + ": a part without a name");
                return null;
            }
            String content = part.substring(headersEnd + 4);
            values.computeIfAbsent(name.group(1), k -> new ArrayList<>())
                    .add(content.endsWith("\r\n") ? content.substring(0, content.length() - 2) : content);
        }
        ObjectNode form = JsonNodeFactory.instance.objectNode();
        values.forEach((name, list) -> {
            if (list.size() == 1) {
                form.put(name, list.get(0));
            } else {
                ArrayNode array = form.putArray(name);
                list.forEach(array::add);
            }
        });
        return form;
    }

    private static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    /** Each event against x-itemSchema, and its data (JSON) against the contentSchema of its branch. */
    private void checkEventStream(Located media, String body, String what, List<String> problems) {
        Located itemSchema = resolve(media.at("x-itemSchema"));
        if (itemSchema.isMissing()) {
            problems.add(what + ": the text/event-stream media type has no x-itemSchema to check events with");
            return;
        }
        List<ObjectNode> events = parseEvents(body);
        if (events.isEmpty()) {
            problems.add(what + " has no events");
        }
        for (int i = 0; i < events.size(); i++) {
            ObjectNode event = events.get(i);
            String at = what + " event " + i + " (" + event.path("event").asString("?") + ")";
            if (!validate(itemSchema.pointer(), event, at, problems)) {
                continue;
            }
            String branch = itemSchema.node().path("discriminator").path("mapping").path(event.path("event").asString()).asString("");
            if (!branch.startsWith("#")) {
                problems.add(at + ": no discriminator mapping for this event name");
                continue;
            }
            Located contentSchema = resolve(new Located(spec.at(branch.substring(1)), branch.substring(1))
                    .at("properties", "data", "contentSchema"));
            if (contentSchema.isMissing()) {
                continue;
            }
            try {
                validate(contentSchema.pointer(), JSON.readTree(event.path("data").asString()), at + " data", problems);
            } catch (JacksonException e) {
                problems.add(at + " data is not JSON: " + e.getOriginalMessage());
            }
        }
    }

    /** Server-Sent Events as objects of their fields (event, id, data, retry); data lines joined by newlines. */
    static List<ObjectNode> parseEvents(String body) {
        List<ObjectNode> events = new ArrayList<>();
        if (body == null) {
            return events;
        }
        for (String block : body.replace("\r\n", "\n").split("\n\n")) {
            ObjectNode event = JsonNodeFactory.instance.objectNode();
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.isEmpty() || line.startsWith(":")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (field.equals("data")) {
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                } else {
                    event.put(field, value);
                }
            }
            if (data != null) {
                event.put("data", data.toString());
            }
            if (!event.isEmpty()) {
                events.add(event);
            }
        }
        return events;
    }

    /**
     * Every example in the spec against the schema it illustrates: media types' example and examples, parameters'
     * and headers' examples, and schemas' examples arrays (an event-stream example is split into events).
     */
    List<String> checkExamples() {
        List<String> problems = new ArrayList<>();
        walk(new Located(spec, ""), problems);
        return List.copyOf(new LinkedHashSet<>(problems)); // a shared example is reached from every use
    }

    private void walk(Located at, List<String> problems) {
        JsonNode node = at.node();
        if (node.isObject()) {
            JsonNode schemaNode = node.get("schema");
            if (schemaNode != null && schemaNode.isObject() && (node.has("example") || node.has("examples"))) {
                Located schema = resolve(at.at("schema"));
                String mediaType = mediaTypeOf(at.pointer());
                if (node.has("example")) {
                    checkExample(at, schema, mediaType, node.get("example"), at.pointer() + "/example", problems);
                }
                if (node.path("examples").isObject()) {
                    for (String name : node.path("examples").propertyNames()) {
                        Located example = resolve(at.at("examples", name));
                        if (!example.node().has("value")) {
                            problems.add(example.pointer() + ": an example without a value");
                            continue;
                        }
                        checkExample(at, schema, mediaType, example.node().get("value"), example.pointer(), problems);
                    }
                }
            }
            if (isSchemaPointer(at.pointer()) && node.path("examples").isArray()) {
                int i = 0;
                for (JsonNode example : node.path("examples").values()) {
                    validate(at.pointer(), example, at.pointer() + "/examples/" + i++, problems);
                }
            }
            for (String name : node.propertyNames()) {
                if (!name.equals("example") && !name.equals("examples")) {
                    walk(at.at(name), problems);
                }
            }
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode child : node.values()) {
                walk(new Located(child, at.pointer() + "/" + i++), problems);
            }
        }
    }

    private void checkExample(Located holder, Located schema, String mediaType, JsonNode value, String where,
                              List<String> problems) {
        if ("text/event-stream".equals(mediaType)) {
            validate(schema.pointer(), value, where, problems);
            List<String> found = new ArrayList<>();
            checkEventStream(holder, value.asString(), where, found);
            problems.addAll(found);
            return;
        }
        validate(schema.pointer(), value, where, problems);
    }

    /** The media type when the pointer is .../content/<media type>, else null. */
    private static String mediaTypeOf(String pointer) {
        int i = pointer.lastIndexOf("/content/");
        return i < 0 ? null : pointer.substring(i + "/content/".length()).replace("~1", "/").replace("~0", "~");
    }

    /** A schema object in the spec (a component schema or a schema below one), where "examples" is an array. */
    private static boolean isSchemaPointer(String pointer) {
        return pointer.startsWith("/components/schemas/") || pointer.endsWith("/schema") || pointer.contains("/schema/");
    }

    private record Operation(String key, Located node, List<Located> parameters, Map<String, String> pathValues) {
    }

    private Optional<Operation> operation(String method, String path, List<String> problems) {
        for (PathTemplate template : templates) {
            Matcher m = template.pattern().matcher(path);
            if (!m.matches()) {
                continue;
            }
            Located item = new Located(spec.path("paths"), "/paths").at(template.template());
            Located op = item.at(method.toLowerCase(Locale.ROOT));
            if (op.isMissing()) {
                problems.add(method + " " + template.template() + " is not in the spec (the path is)");
                return Optional.empty();
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < template.names().size(); i++) {
                values.put(template.names().get(i), URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8));
            }
            Map<String, Located> parameters = new LinkedHashMap<>();
            for (Located list : List.of(item.at("parameters"), op.at("parameters"))) {
                if (list.isMissing()) {
                    continue;
                }
                for (int i = 0; i < list.node().size(); i++) {
                    Located parameter = resolve(new Located(list.node().get(i), list.pointer() + "/" + i));
                    parameters.put(parameter.node().path("in").asString() + ":" + parameter.node().path("name").asString(), parameter);
                }
            }
            String key = method.toUpperCase(Locale.ROOT) + " " + template.template();
            exercised.add(key);
            return Optional.of(new Operation(key, op, List.copyOf(parameters.values()), values));
        }
        problems.add("no path of the spec matches " + path);
        return Optional.empty();
    }

    /** Follows $ref (to this document only) until a node that is not a reference. */
    Located resolve(Located at) {
        Located current = at;
        for (int hops = 0; !current.isMissing() && current.node().has("$ref"); hops++) {
            String ref = current.node().get("$ref").asString();
            if (!ref.startsWith("#") || hops > 20) {
                throw new IllegalStateException("cannot follow $ref " + ref + " at " + current.pointer());
            }
            String pointer = ref.substring(1);
            current = new Located(spec.at(pointer), pointer);
            if (current.isMissing()) {
                throw new IllegalStateException("$ref " + ref + " at " + at.pointer() + " points at nothing");
            }
        }
        return current;
    }

    /** Validates against the schema at this pointer of the spec; adds one line per error, true when none. */
    boolean validate(String pointer, JsonNode value, String what, List<String> problems) {
        Schema schema = schemaCache.computeIfAbsent(pointer, p -> schemas.getSchema(SchemaLocation.of(SPEC_IRI + "#"
                + p.replace("{", "%7B").replace("}", "%7D"))));
        List<com.networknt.schema.Error> errors = schema.validate(value);
        for (com.networknt.schema.Error error : errors) {
            problems.add(what + ": " + error + "  [schema " + pointer + "]");
        }
        return errors.isEmpty();
    }

    /** A parameter or header value as the JSON its schema's type expects, so that "abc" fails type: integer. */
    private static JsonNode coerce(String value, JsonNode schema) {
        String type = schema.path("type").isString() ? schema.path("type").asString() : "string";
        try {
            return switch (type) {
                case "integer" -> JsonNodeFactory.instance.numberNode(Long.parseLong(value));
                case "number" -> JsonNodeFactory.instance.numberNode(Double.parseDouble(value));
                case "boolean" -> value.equals("true") || value.equals("false")
                        ? JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value))
                        : JsonNodeFactory.instance.stringNode(value);
                default -> JsonNodeFactory.instance.stringNode(value);
            };
        } catch (NumberFormatException e) {
            return JsonNodeFactory.instance.stringNode(value);
        }
    }

    /**
     * A query parameter's values as the JSON its schema expects: an array parameter (style form) from every
     * occurrence ({@code ?tag=a&tag=b}, explode) or from comma-separated values ({@code ?names=a,b}, explode:
     * false), each item coerced by the items' schema; any other parameter from its one value (given twice, it is
     * a problem).
     */
    private JsonNode coerceQuery(String name, List<String> values, JsonNode parameter, Located schema, List<String> problems) {
        if (!"array".equals(schema.node().path("type").asString(""))) {
            if (values.size() > 1) {
                problems.add("query parameter '" + name + "' is given " + values.size() + " times, but is not an array");
            }
            return coerce(values.get(0), schema.node());
        }
        boolean explode = parameter.path("explode").asBoolean(true);
        JsonNode items = resolve(schema.at("items")).node();
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String value : values) {
            for (String item : explode ? List.of(value) : List.of(value.split(",", -1))) {
                out.add(coerce(item, items == null ? JsonNodeFactory.instance.objectNode() : items));
            }
        }
        return out;
    }

    private static Map<String, List<String>> parseQuery(String query) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }
}
