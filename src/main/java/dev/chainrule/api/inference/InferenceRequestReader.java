package dev.chainrule.api.inference;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an Open Inference Protocol inference request ({@code $inference_request}) for a model of a given input width:
 * one input tensor named {@value #INPUT} of shape [rows, inputWidth], its data flat or nested in that shape, FP32
 * (FP64 and the integer types converted to the nearest float32, as /predict reads JSON numbers; FP16, BF16, BOOL and
 * BYTES refused). Every refusal is an {@link InferenceException} whose message names the field.
 */
final class InferenceRequestReader {
    static final String INPUT = "input";
    /** Numbers kept exactly as sent (BigDecimal), so each becomes the float32 nearest its decimal text. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();
    private static final Set<String> REFUSED = Set.of("FP16", "BF16", "BOOL", "BYTES");
    /** Each integer type's range. */
    private static final Map<String, BigInteger[]> INTEGERS = Map.of(
            "INT8", range(-128, 127), "INT16", range(-32768, 32767),
            "INT32", range(Integer.MIN_VALUE, Integer.MAX_VALUE), "INT64", range(Long.MIN_VALUE, Long.MAX_VALUE),
            "UINT8", range(0, 255), "UINT16", range(0, 65535), "UINT32", range(0, 4294967295L),
            "UINT64", new BigInteger[] {BigInteger.ZERO, BigInteger.TWO.pow(64).subtract(BigInteger.ONE)});
    private static final BigDecimal FLOAT_MAX = new BigDecimal(Float.MAX_VALUE);

    /** A read request: its id (or null), the rows row-major, and the outputs asked for (null: all). */
    record Inference(String id, float[] features, int rows, List<String> outputs) {
    }

    private InferenceRequestReader() {
    }

    static Inference read(byte[] body, int width, int maxRows) {
        JsonNode request;
        try {
            request = JSON.readTree(body == null ? new byte[0] : body);
        } catch (JacksonException e) {
            throw InferenceException.badRequest("the body is not JSON: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject()) {
            throw InferenceException.badRequest("the body must be a JSON object (an inference request)");
        }
        String id = null;
        if (request.has("id")) {
            if (!request.get("id").isString()) {
                throw InferenceException.badRequest("id must be a string");
            }
            id = request.get("id").asString();
        }
        if (request.has("parameters") && !request.get("parameters").isObject()) {
            throw InferenceException.badRequest("parameters must be an object");
        }
        JsonNode inputs = request.path("inputs");
        if (!inputs.isArray() || inputs.size() != 1) {
            throw InferenceException.badRequest("inputs must be an array of one tensor, named '" + INPUT + "' (shape [rows, "
                    + width + "]); got " + (inputs.isArray() ? inputs.size() + " tensors" : inputs.isMissingNode() ? "none" : inputs.getNodeType()));
        }
        JsonNode input = inputs.get(0);
        if (!input.isObject()) {
            throw InferenceException.badRequest("inputs[0] must be an object with name, shape, datatype and data");
        }
        String name = input.path("name").isString() ? input.get("name").asString() : null;
        if (!INPUT.equals(name)) {
            throw InferenceException.badRequest("inputs[0].name must be '" + INPUT + "' (the model's only input), got "
                    + (name == null ? input.path("name").toString() : "'" + name + "'"));
        }
        long[] shape = shape(input.path("shape"), width);
        int rows = (int) shape[0];
        if (rows > maxRows) {
            throw InferenceException.badRequest("inputs[0].shape asks for " + rows + " rows; at most " + maxRows
                    + " are allowed (chainrule.limits.max-predict-rows)");
        }
        String datatype = datatype(input.path("datatype"));
        float[] features = new float[Math.multiplyExact(rows, width)];
        JsonNode data = input.path("data");
        if (!data.isArray()) {
            throw InferenceException.badRequest("inputs[0].data must be an array of " + rows + " x " + width + " numbers, flat or nested");
        }
        if (data.size() > 0 && data.get(0).isArray()) {
            readNested(data, shape, 0, "inputs[0].data", datatype, features, new int[1]);
        } else {
            if (data.size() != features.length) {
                throw InferenceException.badRequest("inputs[0].data has " + data.size() + " values; shape " + rows + " x "
                        + width + " needs " + features.length);
            }
            for (int i = 0; i < features.length; i++) {
                features[i] = value(data.get(i), "inputs[0].data[" + i + "]", datatype);
            }
        }
        return new Inference(id, features, rows, outputs(request.path("outputs")));
    }

    /** [rows, width] with rows at least 1. */
    private static long[] shape(JsonNode shape, int width) {
        if (!shape.isArray() || shape.size() != 2 || !shape.get(0).isIntegralNumber() || !shape.get(1).isIntegralNumber()) {
            throw InferenceException.badRequest("inputs[0].shape must be [rows, " + width + "] (two integers), got " + shape);
        }
        BigInteger rows = shape.get(0).bigIntegerValue();
        BigInteger columns = shape.get(1).bigIntegerValue();
        if (!columns.equals(BigInteger.valueOf(width))) {
            throw InferenceException.badRequest("inputs[0].shape must be [rows, " + width + "]: the model takes " + width
                    + " values a row, got " + shape);
        }
        if (rows.signum() <= 0 || rows.bitLength() > 31) {
            throw InferenceException.badRequest("inputs[0].shape must have at least 1 row, got " + shape);
        }
        return new long[] {rows.longValue(), width};
    }

    private static String datatype(JsonNode node) {
        String datatype = node.isString() ? node.asString() : null;
        if (datatype == null) {
            throw InferenceException.badRequest("inputs[0].datatype is required: FP32 (FP64 and integer types are converted)");
        }
        if (datatype.equals("FP32") || datatype.equals("FP64") || INTEGERS.containsKey(datatype)) {
            return datatype;
        }
        if (REFUSED.contains(datatype)) {
            throw InferenceException.badRequest("inputs[0].datatype " + datatype + " is not supported: send FP32 (FP64 and"
                    + " the integer types INT8..INT64, UINT8..UINT64 are converted to float32)");
        }
        throw InferenceException.badRequest("inputs[0].datatype '" + datatype + "' is not a tensor data type of the protocol;"
                + " send FP32");
    }

    /** Nested data in the tensor's shape: one array per row of numbers. */
    private static void readNested(JsonNode data, long[] shape, int depth, String at, String datatype, float[] out, int[] next) {
        if (data.size() != shape[depth]) {
            throw InferenceException.badRequest(at + " has " + data.size() + " elements; shape " + shape[0] + " x " + shape[1]
                    + " needs " + shape[depth] + " there");
        }
        for (int i = 0; i < data.size(); i++) {
            JsonNode element = data.get(i);
            String where = at + "[" + i + "]";
            if (depth + 1 < shape.length) {
                if (!element.isArray()) {
                    throw InferenceException.badRequest(where + " must be an array of " + shape[depth + 1] + " numbers");
                }
                readNested(element, shape, depth + 1, where, datatype, out, next);
            } else {
                out[next[0]++] = value(element, where, datatype);
            }
        }
    }

    /** One element as the float32 nearest it; an integer type's element must be an integer in its range. */
    private static float value(JsonNode element, String at, String datatype) {
        if (!element.isNumber()) {
            throw InferenceException.badRequest(at + " must be a number, got " + element);
        }
        BigDecimal decimal = element.decimalValue();
        BigInteger[] range = INTEGERS.get(datatype);
        if (range != null) {
            BigInteger integer;
            try {
                integer = decimal.toBigIntegerExact();
            } catch (ArithmeticException e) {
                throw InferenceException.badRequest(at + " must be an integer for datatype " + datatype + ", got " + element);
            }
            if (integer.compareTo(range[0]) < 0 || integer.compareTo(range[1]) > 0) {
                throw InferenceException.badRequest(at + " is out of the range of " + datatype + ": " + element);
            }
        }
        if (decimal.abs().compareTo(FLOAT_MAX) > 0) {
            throw InferenceException.badRequest(at + " is beyond the float32 range: " + element);
        }
        return Float.parseFloat(decimal.toString());
    }

    private static List<String> outputs(JsonNode outputs) {
        if (outputs.isMissingNode() || outputs.isNull()) {
            return null;
        }
        if (!outputs.isArray()) {
            throw InferenceException.badRequest("outputs must be an array of {\"name\": ...}");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            JsonNode name = outputs.get(i).path("name");
            if (!name.isString()) {
                throw InferenceException.badRequest("outputs[" + i + "].name is required (a string)");
            }
            names.add(name.asString());
        }
        return names;
    }

    private static BigInteger[] range(long min, long max) {
        return new BigInteger[] {BigInteger.valueOf(min), BigInteger.valueOf(max)};
    }
}
