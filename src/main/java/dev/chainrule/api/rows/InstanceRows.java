package dev.chainrule.api.rows;

import dev.chainrule.api.prediction.PredictRequestJson;
import dev.chainrule.api.problem.FieldErrors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Rows of feature values read from JSON ({@code [[5.1, 3.5], [4.9, 3.0]]}) straight into one float32 array,
 * row after row: no double[][], no boxing, one copy into the network's input later. A predict request of 128
 * MNIST rows is 100,352 numbers; going through double[][] and a second packing pass cost twice the heap and
 * about as much time again as reading (bench/results/2026-11-22-http-notes.md).
 *
 * <p>Reading checks only the JSON's shape, as Jackson would for double[][] (a string or null where a number
 * belongs is refused, naming the element); whether the rows fit the model (widths, count, values that do not
 * fit a float32) is for {@link FeatureRows} to say, with every field error at once.
 *
 * @param values    the numbers, row-major, as float32; the first rowStarts[rows] of it (a reader may leave room
 *                  it reserved after them)
 * @param rowStarts where each row starts in values; rowStarts[rows] is how many numbers there are
 * @param nullRows  indices of rows given as null (no values in them)
 * @param outOfRange positions and values of numbers that are not finite float32 values (e.g. 1e39), at most
 *                   {@link #MAX_REPORTED}
 */
@JsonDeserialize(using = InstanceRows.Reader.class)
public record InstanceRows(float[] values, int[] rowStarts, int[] nullRows, List<OutOfRange> outOfRange) {
    /** The most out-of-range numbers kept for error messages (FieldErrors reports fewer). */
    public static final int MAX_REPORTED = 100;

    /** A number that does not fit a float32: its row, its column and the value as written. */
    public record OutOfRange(int row, int column, double value) {
    }

    /**
     * Rows of little-endian float32 values back to back, {@code width} to a row (the body's length a multiple of
     * 4 x width). A NaN or infinity is kept in {@link #outOfRange} like a JSON number that does not fit a float32.
     */
    public static InstanceRows fromFloat32(byte[] body, int width) {
        float[] values = new float[body.length / Float.BYTES];
        ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        int rows = values.length / width;
        int[] starts = new int[rows + 1];
        for (int r = 0; r <= rows; r++) {
            starts[r] = r * width;
        }
        List<OutOfRange> outOfRange = new ArrayList<>();
        for (int i = 0; i < values.length && outOfRange.size() < MAX_REPORTED; i++) {
            if (!Float.isFinite(values[i])) {
                outOfRange.add(new OutOfRange(i / width, i % width, values[i]));
            }
        }
        return new InstanceRows(values, starts, new int[0], List.copyOf(outOfRange));
    }

    public int rows() {
        return rowStarts.length - 1;
    }

    /** How many numbers the rows hold (values may be longer). */
    public int count() {
        return rowStarts[rows()];
    }

    /** Values in row r (0 for a null row). */
    public int width(int row) {
        return rowStarts[row + 1] - rowStarts[row];
    }

    public boolean isNull(int row) {
        return Arrays.binarySearch(nullRows, row) >= 0;
    }

    /** Jackson's reader for the type: streams the tokens into a growing float array. */
    static final class Reader extends ValueDeserializer<InstanceRows> {

        @Override
        public InstanceRows deserialize(JsonParser p, DeserializationContext context) throws JacksonException {
            if (!p.isExpectedStartArrayToken()) {
                throw MismatchedInputException.from(p, double[][].class, "expected an array of rows");
            }
            float[] values = new float[1024];
            int count = 0;
            int[] starts = new int[17];
            int rows = 0;
            List<Integer> nullRows = new ArrayList<>();
            List<OutOfRange> outOfRange = new ArrayList<>();
            JsonToken token;
            while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
                if (rows + 1 >= starts.length) {
                    starts = Arrays.copyOf(starts, starts.length * 2);
                }
                starts[rows] = count;
                if (token == JsonToken.VALUE_NULL) {
                    nullRows.add(rows);
                } else if (token != JsonToken.START_ARRAY) {
                    throw mismatch(p, double[].class, "expected an array of numbers", rows, -1);
                } else {
                    int column = 0;
                    while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                            throw mismatch(p, double.class, "expected a number", rows, column);
                        }
                        float single = p.getFloatValue(); // the nearest float32, as PredictRequestJson reads it
                        if (!Float.isFinite(single) && outOfRange.size() < MAX_REPORTED) {
                            outOfRange.add(new OutOfRange(rows, column, Double.parseDouble(p.getString()))); // as written
                        }
                        if (count == values.length) {
                            values = Arrays.copyOf(values, Math.max(16, count * 2));
                        }
                        values[count++] = single;
                        column++;
                    }
                }
                rows++;
            }
            starts[rows] = count;
            return new InstanceRows(values,
                    Arrays.copyOf(starts, rows + 1), nullRows.stream().mapToInt(Integer::intValue).toArray(),
                    List.copyOf(outOfRange));
        }

        /** The error Jackson would raise for double[][], with the element's indices in its path. */
        private static MismatchedInputException mismatch(JsonParser p, Class<?> type, String message, int row, int column) {
            MismatchedInputException e = MismatchedInputException.from(p, type, message);
            if (column >= 0) {
                e.prependPath(null, column);
            }
            e.prependPath(null, row);
            return e;
        }
    }
}
