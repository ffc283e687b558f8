package dev.chainrule.engine.model;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.layer.Activation;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The portable file of a trained model: definition, parameters and standardisation in one stream.
 *
 * <pre>
 * bytes 0..15   magic "CHAINRULE-MODEL\n" (ASCII)
 * bytes 16..19  n, the header's length in bytes (unsigned 32-bit little-endian)
 * next n bytes  the header, UTF-8 JSON: format version, definition, data type, standardisation, and the
 *               arrays that follow as [{"name", "shape"}] in order
 * then          each array's values, C (row-major) order, little-endian IEEE 754 (float32 or float64 as the
 *               header's "dataType" says), back to back, nothing after the last
 * </pre>
 * Any language can read it with a JSON parser and a little-endian float reader (docs/model-format.md).
 */
public final class ModelFile {
    /**
     * 2: a layer may be maxout, with "pieces" (docs/model-format.md). A model without a maxout layer is still written as
     * version 1, which services older than maxout read; both versions are read.
     */
    public static final int FORMAT_VERSION = 2;
    private static final int FIRST_VERSION = 1;
    private static final ArrayFileLayout LAYOUT = new ArrayFileLayout("CHAINRULE-MODEL\n", "model",
            InvalidModelFileException::new);
    private static final JsonMapper JSON = ArrayFileLayout.JSON;

    private ModelFile() {
    }

    public static void write(TrainedModel model, OutputStream out) throws IOException {
        write(model, null, out);
    }

    /**
     * Writes the model with free-form metadata in the header (the service puts the model's name, seed and the
     * version's training summary there, so an exported file carries them to an import).
     */
    public static void write(TrainedModel model, JsonNode metadata, OutputStream out) throws IOException {
        Network network = model.network();
        ObjectNode header = JSON.createObjectNode();
        header.put("format", "chainrule-model");
        boolean maxout = network.definition().layers().stream().anyMatch(l -> l.activation() == Activation.MAXOUT);
        header.put("formatVersion", maxout ? FORMAT_VERSION : FIRST_VERSION);
        header.put("dataType", ArrayFileLayout.typeName(network.dataType()));
        ObjectNode def = DefinitionJson.toJson(network.definition());
        def.put("lossEpsilon", network.lossEpsilon());
        header.set("definition", def);
        if (metadata != null) {
            header.set("metadata", metadata);
        }
        Standardiser standardiser = model.standardiser();
        if (standardiser == null) {
            header.putNull("standardisation");
        } else {
            ObjectNode s = header.putObject("standardisation");
            doubles(s.putArray("mean"), standardiser.mean().toDoubleVector());
            doubles(s.putArray("std"), standardiser.std().toDoubleVector());
        }
        ArrayNode arrays = header.putArray("arrays");
        for (Parameter p : network.parameters()) {
            ArrayFileLayout.describe(arrays, p.name(), p.value());
        }
        LAYOUT.writeHeader(header, out);
        for (Parameter p : network.parameters()) {
            ArrayFileLayout.writeValues(p.value(), out);
        }
        out.flush();
    }

    public static TrainedModel read(InputStream stream) throws IOException {
        return readWithMetadata(stream).model();
    }

    /** A model file's model and its header's metadata (an empty object when the file has none). */
    public record Contents(TrainedModel model, JsonNode metadata) {
    }

    public static Contents readWithMetadata(InputStream stream) throws IOException {
        return readWithMetadata(stream, definition -> {
        });
    }

    /**
     * Reads a model file, showing its definition to {@code check} before any array is allocated, so a caller can
     * refuse a network too large for it (by throwing) without the file's header making it allocate first.
     */
    public static Contents readWithMetadata(InputStream stream, java.util.function.Consumer<NetworkDefinition> check) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        JsonNode header = LAYOUT.readHeader(in);
        int version = header.path("formatVersion").asInt(-1);
        if (!"chainrule-model".equals(header.path("format").asString(null)) || version < FIRST_VERSION || version > FORMAT_VERSION) {
            throw new InvalidModelFileException("unsupported format " + header.path("format") + " version " + version);
        }
        DataType type = LAYOUT.parseType(header.path("dataType").asString(""));
        Network network;
        NetworkDefinition definition;
        JsonNode def;
        try {
            def = header.required("definition");
            definition = DefinitionJson.fromJson(def);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidModelFileException("invalid definition in header: " + e.getMessage());
        }
        if (version == FIRST_VERSION && definition.layers().stream().anyMatch(l -> l.activation() == Activation.MAXOUT)) {
            throw new InvalidModelFileException("a version 1 model file has no maxout layers (they came with version 2)");
        }
        check.accept(definition);
        try {
            network = Network.create(definition, type, def.required("lossEpsilon").asDouble());
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidModelFileException("invalid definition in header: " + e.getMessage());
        }
        Standardiser standardiser = null;
        JsonNode s = header.path("standardisation");
        if (s.isObject()) {
            double[] mean = toDoubles(s.path("mean"));
            double[] std = toDoubles(s.path("std"));
            if (mean.length != network.definition().inputWidth() || std.length != mean.length) {
                throw new InvalidModelFileException("standardisation must have " + network.definition().inputWidth() + " means and stds");
            }
            standardiser = new Standardiser(Nd4j.createFromArray(mean).reshape(1, mean.length),
                    Nd4j.createFromArray(std).reshape(1, std.length));
        }
        JsonNode arrays = header.path("arrays");
        List<Parameter> parameters = network.parameters();
        if (!arrays.isArray() || arrays.size() != parameters.size()) {
            throw new InvalidModelFileException("header lists " + arrays.size() + " arrays; the definition has " + parameters.size());
        }
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            LAYOUT.requireEntry(arrays.get(i), i, p.name(), p.value().shape());
            LAYOUT.readValues(in, p.value(), p.name());
        }
        LAYOUT.requireEnd(in);
        JsonNode metadata = header.path("metadata").isObject() ? header.get("metadata") : JSON.createObjectNode();
        return new Contents(new TrainedModel(network, standardiser), metadata);
    }

    private static void doubles(ArrayNode node, double[] values) {
        for (double v : values) {
            node.add(v);
        }
    }

    private static double[] toDoubles(JsonNode node) throws InvalidModelFileException {
        if (!node.isArray()) {
            throw new InvalidModelFileException("standardisation mean and std must be arrays");
        }
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asDouble();
        }
        return out;
    }

    /** A stream that is not a readable Chainrule model file; the message says what is wrong. */
    public static final class InvalidModelFileException extends IOException {
        public InvalidModelFileException(String message) {
            super(message);
        }
    }
}
