package dev.chainrule.engine.model;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "CHAINRULE-MODEL\n".getBytes(StandardCharsets.US_ASCII);
    /** A header larger than this is not a model header: refuse it before allocating. */
    static final int MAX_HEADER_BYTES = 16 << 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

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
        header.put("formatVersion", FORMAT_VERSION);
        header.put("dataType", typeName(network.dataType()));
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
            ObjectNode a = arrays.addObject().put("name", p.name());
            ArrayNode shape = a.putArray("shape");
            for (long d : p.value().shape()) {
                shape.add(d);
            }
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        out.write(MAGIC);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(headerBytes.length).array());
        out.write(headerBytes);
        for (Parameter p : network.parameters()) {
            writeValues(p.value(), out);
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
        byte[] magic = new byte[MAGIC.length];
        readFully(in, magic, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new InvalidModelFileException("not a Chainrule model file (wrong magic bytes)");
        }
        byte[] lengthBytes = new byte[4];
        readFully(in, lengthBytes, "header length");
        long headerLength = Integer.toUnsignedLong(ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (headerLength == 0 || headerLength > MAX_HEADER_BYTES) {
            throw new InvalidModelFileException("header length " + headerLength + " is outside 1.." + MAX_HEADER_BYTES);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(in, headerBytes, "header");
        JsonNode header;
        try {
            header = JSON.readTree(headerBytes);
        } catch (JacksonException e) {
            throw new InvalidModelFileException("header is not valid JSON: " + e.getOriginalMessage());
        }
        int version = header.path("formatVersion").asInt(-1);
        if (!"chainrule-model".equals(header.path("format").asString(null)) || version != FORMAT_VERSION) {
            throw new InvalidModelFileException("unsupported format " + header.path("format") + " version " + version);
        }
        DataType type = parseType(header.path("dataType").asString(""));
        Network network;
        NetworkDefinition definition;
        JsonNode def;
        try {
            def = header.required("definition");
            definition = DefinitionJson.fromJson(def);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidModelFileException("invalid definition in header: " + e.getMessage());
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
            JsonNode a = arrays.get(i);
            long[] shape = new long[a.path("shape").size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = a.path("shape").get(d).asLong();
            }
            if (!p.name().equals(a.path("name").asString(null)) || !Arrays.equals(shape, p.value().shape())) {
                throw new InvalidModelFileException("array " + i + " is " + a + "; expected " + p.name() + " of shape "
                        + Arrays.toString(p.value().shape()));
            }
            readValues(in, p.value(), p.name());
        }
        if (in.read() != -1) {
            throw new InvalidModelFileException("unexpected bytes after the last array");
        }
        JsonNode metadata = header.path("metadata").isObject() ? header.get("metadata") : JSON.createObjectNode();
        return new Contents(new TrainedModel(network, standardiser), metadata);
    }

    private static void writeValues(INDArray array, OutputStream out) throws IOException {
        INDArray c = array.ordering() == 'c' && !array.isView() ? array : array.dup('c');
        ByteBuffer buffer;
        if (c.dataType() == DataType.DOUBLE) {
            double[] values = c.data().asDouble();
            buffer = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asDoubleBuffer().put(values);
        } else {
            float[] values = c.data().asFloat();
            buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(values);
        }
        out.write(buffer.array());
    }

    private static void readValues(DataInputStream in, INDArray target, String name) throws IOException {
        int count = (int) target.length();
        boolean isDouble = target.dataType() == DataType.DOUBLE;
        byte[] bytes = new byte[count * (isDouble ? Double.BYTES : Float.BYTES)];
        readFully(in, bytes, name);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        INDArray values;
        if (isDouble) {
            double[] v = new double[count];
            buffer.asDoubleBuffer().get(v);
            values = Nd4j.createFromArray(v);
        } else {
            float[] v = new float[count];
            buffer.asFloatBuffer().get(v);
            values = Nd4j.createFromArray(v);
        }
        target.assign(values.reshape('c', target.shape()));
    }

    private static void readFully(DataInputStream in, byte[] into, String what) throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new InvalidModelFileException("file ends inside " + what);
        }
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

    static String typeName(DataType type) {
        return type == DataType.DOUBLE ? "float64" : "float32";
    }

    static DataType parseType(String name) throws InvalidModelFileException {
        return switch (name) {
            case "float32" -> DataType.FLOAT;
            case "float64" -> DataType.DOUBLE;
            default -> throw new InvalidModelFileException("dataType must be float32 or float64, got '" + name + "'");
        };
    }

    /** A stream that is not a readable Chainrule model file; the message says what is wrong. */
    public static final class InvalidModelFileException extends IOException {
        public InvalidModelFileException(String message) {
            super(message);
        }
    }
}
