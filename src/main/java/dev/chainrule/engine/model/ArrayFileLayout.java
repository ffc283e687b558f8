package dev.chainrule.engine.model;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The layout the model file and the checkpoint file share (docs/model-format.md): 16 magic bytes, the
 * header's length (unsigned 32-bit little-endian), a UTF-8 JSON header, then the arrays it lists as raw
 * little-endian float32 or float64 values in C order, back to back, nothing after the last. Each file kind
 * has its own magic and its own exception, so callers keep telling a bad model file from a bad checkpoint.
 */
final class ArrayFileLayout {
    /** A header larger than this is not a header of ours: refuse it before allocating. */
    static final int MAX_HEADER_BYTES = 16 << 20;
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final byte[] magic;
    private final String fileKind;
    private final Function<String, IOException> invalid;

    /**
     * @param magic    exactly 16 ASCII characters
     * @param fileKind what the file is, in messages: "model", "checkpoint"
     * @param invalid  the exception for a stream that is not such a file, from its message
     */
    ArrayFileLayout(String magic, String fileKind, Function<String, IOException> invalid) {
        this.magic = magic.getBytes(StandardCharsets.US_ASCII);
        if (this.magic.length != 16) {
            throw new IllegalArgumentException("magic must be 16 bytes: " + magic);
        }
        this.fileKind = fileKind;
        this.invalid = invalid;
    }

    /** The exception this file kind throws for a damaged stream. */
    IOException invalid(String message) {
        return invalid.apply(message);
    }

    void writeHeader(ObjectNode header, OutputStream out) throws IOException {
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        out.write(magic);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(headerBytes.length).array());
        out.write(headerBytes);
    }

    /** Reads the magic, the length and the JSON header, refusing each with a reason. */
    JsonNode readHeader(DataInputStream in) throws IOException {
        byte[] found = new byte[magic.length];
        readFully(in, found, "magic");
        if (!Arrays.equals(found, magic)) {
            throw invalid("not a Chainrule " + fileKind + " file (wrong magic bytes)");
        }
        byte[] lengthBytes = new byte[4];
        readFully(in, lengthBytes, "header length");
        long headerLength = Integer.toUnsignedLong(ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (headerLength == 0 || headerLength > MAX_HEADER_BYTES) {
            throw invalid("header length " + headerLength + " is outside 1.." + MAX_HEADER_BYTES);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(in, headerBytes, "header");
        try {
            return JSON.readTree(headerBytes);
        } catch (JacksonException e) {
            throw invalid("header is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Appends {"name", "shape"} for an array to a header's "arrays" list. */
    static void describe(ArrayNode arrays, String name, INDArray array) {
        ArrayNode shape = arrays.addObject().put("name", name).putArray("shape");
        for (long d : array.shape()) {
            shape.add(d);
        }
    }

    /** Fails unless the header's entry names this array with this shape. */
    void requireEntry(JsonNode entry, int index, String name, long[] shape) throws IOException {
        JsonNode shapeNode = entry.path("shape");
        long[] found = new long[shapeNode.size()];
        for (int d = 0; d < found.length; d++) {
            found[d] = shapeNode.get(d).asLong();
        }
        if (!name.equals(entry.path("name").asString(null)) || !Arrays.equals(found, shape)) {
            throw invalid("array " + index + " is " + entry + "; expected " + name + " of shape " + Arrays.toString(shape));
        }
    }

    static void writeValues(INDArray array, OutputStream out) throws IOException {
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

    /** Reads the next array's values into {@code target}, whose type and shape say how many bytes to take. */
    void readValues(DataInputStream in, INDArray target, String name) throws IOException {
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

    void requireEnd(DataInputStream in) throws IOException {
        if (in.read() != -1) {
            throw invalid("unexpected bytes after the last array");
        }
    }

    void readFully(DataInputStream in, byte[] into, String what) throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw invalid("file ends inside " + what);
        }
    }

    static String typeName(DataType type) {
        return type == DataType.DOUBLE ? "float64" : "float32";
    }

    DataType parseType(String name) throws IOException {
        return switch (name) {
            case "float32" -> DataType.FLOAT;
            case "float64" -> DataType.DOUBLE;
            default -> throw invalid("dataType must be float32 or float64, got '" + name + "'");
        };
    }
}
