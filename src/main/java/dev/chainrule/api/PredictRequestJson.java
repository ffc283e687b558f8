package dev.chainrule.api;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plain shape of a JSON predict request, {@code {"instances": [[0.0, 0.32, ...], ...], "version": 2}}, read
 * from UTF-8 bytes in one pass straight into float32: knowing the shape, it is several times faster than
 * Jackson on a 128-row MNIST request (bench/results/2026-11-22-http-micro-plain-json.md).
 *
 * <p>It reads only that shape: an object with "instances" (rows of numbers) and optionally "version" (an integer
 * or null), JSON whitespace anywhere. For anything else (null rows, other fields, strings, escapes, a byte-order
 * mark, malformed JSON, numbers of more than {@value #MAX_NUMBER_LENGTH} characters) {@link #read} answers null
 * and the caller lets Jackson read the body, so every error a client sees is Jackson's, named as before.
 *
 * <p>Each number becomes the float32 nearest its decimal value (ties to even), as {@link Float#parseFloat} and
 * Jackson's {@code getFloatValue} give it: FastDoubleParser (the parser Jackson itself uses) does that part.
 */
public final class PredictRequestJson {
    /** Longer numbers go to Jackson, which enforces its own limit on number length. */
    static final int MAX_NUMBER_LENGTH = 100;

    /** Eight bytes of the body at a time, for runs of zeros. */
    private static final VarHandle EIGHT_BYTES = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    /** Four bytes of the body at a time, for the commonest value of sparse rows. */
    private static final VarHandle FOUR_BYTES = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** The bytes of "0.0," read as a little-endian int. */
    private static final int ZERO_AND_COMMA = '0' | '.' << 8 | '0' << 16 | ',' << 24;
    /** The bytes of "0.0,0.0," read as a little-endian long. */
    private static final long TWO_ZEROS_AND_COMMAS = (ZERO_AND_COMMA & 0xFFFF_FFFFL) * 0x1_0000_0001L;

    private final byte[] in;
    private int at;
    private float[] values = new float[1024];
    private int count;
    private int[] rowStarts = new int[17];
    private int rows;
    private List<InstanceRows.OutOfRange> outOfRange;

    private PredictRequestJson(byte[] in) {
        this.in = in;
    }

    /** The request in {@code body}, or null when the body is not of the plain shape (Jackson reads it then). */
    public static PredictRequest read(byte[] body) {
        return new PredictRequestJson(body).request();
    }

    private PredictRequest request() {
        skipWhitespace();
        if (!take('{')) {
            return null;
        }
        InstanceRows instances = null;
        Integer version = null;
        boolean versionSeen = false;
        skipWhitespace();
        if (peek() != '}') {
            do {
                skipWhitespace();
                if (takeName("\"instances\"")) {
                    if (instances != null || !colon() || (instances = instances()) == null) {
                        return null;
                    }
                } else if (takeName("\"version\"")) {
                    if (versionSeen || !colon()) {
                        return null;
                    }
                    versionSeen = true;
                    if (takeName("null")) {
                        version = null;
                    } else if ((version = integer()) == null) {
                        return null;
                    }
                } else {
                    return null;
                }
                skipWhitespace();
            } while (take(','));
        }
        if (!take('}') || instances == null) {
            return null;
        }
        skipWhitespace();
        return at == in.length ? new PredictRequest(instances, version) : null;
    }

    private InstanceRows instances() {
        if (!take('[')) {
            return null;
        }
        skipWhitespace();
        if (!take(']')) {
            int firstRow = at;
            do {
                skipWhitespace();
                if (!row()) {
                    return null;
                }
                if (rows == 1) {
                    reserveLike(at - firstRow);
                }
                skipWhitespace();
            } while (take(','));
            if (!take(']')) {
                return null;
            }
        }
        if (rows + 1 > rowStarts.length) {
            rowStarts = Arrays.copyOf(rowStarts, rows + 1);
        }
        rowStarts[rows] = count;
        // values as filled: room reserved past count stays unused (InstanceRows), which saves copying 400 KB of
        // a 128-row MNIST request into an array of the exact length
        return new InstanceRows(values, Arrays.copyOf(rowStarts, rows + 1), new int[0],
                outOfRange == null ? List.of() : List.copyOf(outOfRange));
    }

    /**
     * Room for the values of the rows after the first if they are as long (bytes) as it: one allocation, not ~17.
     * Never more than the bytes left can hold (a number and its comma take two), whatever the first row was.
     */
    private void reserveLike(int bytes) {
        long remaining = in.length - at;
        // rows differ in length (a digit's strokes): 1/16 more, so that a first row longer than most rarely leads
        // to doubling the array, which costs more than the unused room
        long rowsLeft = (remaining + remaining / 16 + bytes / 2) / Math.max(1, bytes);
        long expected = Math.min(count * (1 + rowsLeft), count + remaining / 2);
        if (expected > values.length && expected <= Integer.MAX_VALUE - 8) {
            values = Arrays.copyOf(values, (int) expected);
        }
    }

    private boolean row() {
        if (!take('[')) {
            return false;
        }
        if (rows + 1 >= rowStarts.length) {
            rowStarts = Arrays.copyOf(rowStarts, rowStarts.length * 2);
        }
        rowStarts[rows] = count;
        skipWhitespace();
        if (!take(']')) {
            final byte[] in = this.in;
            int i = at;
            int column = 0;
            while (true) {
                // zeros come in runs (an MNIST row's background is ~25 of them): two per comparison while they last
                while (i + 8 <= in.length && (long) EIGHT_BYTES.get(in, i) == TWO_ZEROS_AND_COMMAS
                        && count + 2 <= values.length) {
                    values[count++] = 0f;
                    values[count++] = 0f;
                    i += 8;
                    column += 2;
                }
                if (i + 4 <= in.length && (int) FOUR_BYTES.get(in, i) == ZERO_AND_COMMA && count < values.length) {
                    values[count++] = 0f; // "0.0," as a client's float formatting writes zero: one comparison
                    i += 4;
                    column++;
                    continue;
                }
                i = skipWhitespace(in, i);
                int zero = zeroEnd(in, i);
                if (zero > 0 && count < values.length) { // most values of sparse rows: no conversion to do
                    values[count++] = 0f;
                    i = zero;
                    column++;
                } else if ((i = number(i, column++)) < 0) {
                    return false;
                }
                i = skipWhitespace(in, i);
                if (i < in.length && in[i] == ',') {
                    i++;
                } else {
                    break;
                }
            }
            at = i;
            if (!take(']')) {
                return false;
            }
        }
        rows++;
        return true;
    }

    /**
     * One JSON number (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) into values: its syntax checked here (JSON's,
     * stricter than the parser's Java syntax), its float32 (the nearest to its decimal value, ties to even) from
     * FastDoubleParser, as Jackson gets it.
     */
    private int number(final int start, int column) {
        final byte[] in = this.in;
        final int end = in.length;
        int i = start;
        if (i < end && in[i] == '-') {
            i++;
        }
        if (i < end && in[i] == '0') {
            i++;
            if (i < end && isDigit(in[i])) {
                return -1; // a leading zero: malformed, Jackson says so
            }
        } else {
            int first = i;
            i = digits(in, i);
            if (i == first) {
                return -1;
            }
        }
        boolean integer = true; // no fraction, no exponent: Jackson reads "-0" as the integer 0, so +0.0
        if (i < end && in[i] == '.') {
            integer = false;
            int fractionStart = ++i;
            i = digits(in, i);
            if (i == fractionStart) {
                return -1;
            }
        }
        if (i < end && (in[i] == 'e' || in[i] == 'E')) {
            integer = false;
            i++;
            if (i < end && (in[i] == '-' || in[i] == '+')) {
                i++;
            }
            int exponentStart = i;
            i = digits(in, i);
            if (i == exponentStart) {
                return -1;
            }
        }
        if (i - start > MAX_NUMBER_LENGTH) {
            return -1;
        }
        float value = JavaFloatParser.parseFloat(in, start, i - start);
        if (integer && value == 0) {
            value = 0f;
        }
        if (Float.isInfinite(value)) {
            if (outOfRange == null) {
                outOfRange = new ArrayList<>();
            }
            if (outOfRange.size() < InstanceRows.MAX_REPORTED) {
                outOfRange.add(new InstanceRows.OutOfRange(rows, column, Double.parseDouble(text(start, i))));
            }
        }
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = value;
        return i;
    }

    /** Where the run of ASCII digits from i ends. */
    private static int digits(byte[] in, int i) {
        while (i < in.length && isDigit(in[i])) {
            i++;
        }
        return i;
    }

    /** Where a plain zero ("0" or "0.0") at i ends, or 0 when no such zero is there. */
    private static int zeroEnd(byte[] in, int i) {
        if (i + 3 >= in.length || in[i] != '0') {
            return 0;
        }
        int end = in[i + 1] == '.' && in[i + 2] == '0' ? i + 3 : i + 1;
        byte next = in[end];
        return isDigit(next) || next == '.' || next == 'e' || next == 'E' ? 0 : end;
    }

    private String text(int start, int end) {
        return new String(in, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** A JSON integer that fits an int (what Jackson would bind to Integer), else null. */
    private Integer integer() {
        int start = at;
        boolean negative = take('-');
        int first = at;
        long value = 0;
        while (isDigit(peek()) && at - first < 11) {
            value = value * 10 + (in[at++] - '0');
        }
        int length = at - first;
        if (length == 0 || (length > 1 && in[first] == '0') || isDigit(peek()) || peek() == '.' || peek() == 'e'
                || peek() == 'E') {
            at = start;
            return null;
        }
        value = negative ? -value : value;
        return value < Integer.MIN_VALUE || value > Integer.MAX_VALUE ? null : (int) value;
    }

    private boolean colon() {
        skipWhitespace();
        if (!take(':')) {
            return false;
        }
        skipWhitespace();
        return true;
    }

    /** The exact bytes of name (ASCII) next, taken; a name with escapes or other spelling is not matched. */
    private boolean takeName(String name) {
        int length = name.length();
        if (at + length > in.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (in[at + i] != name.charAt(i)) {
                return false;
            }
        }
        at += length;
        return true;
    }

    private void skipWhitespace() {
        at = skipWhitespace(in, at);
    }

    private static int skipWhitespace(byte[] in, int i) {
        while (i < in.length && (in[i] == ' ' || in[i] == '\n' || in[i] == '\r' || in[i] == '\t')) {
            i++;
        }
        return i;
    }

    private boolean take(char c) {
        if (at < in.length && in[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    private int peek() {
        return at < in.length ? in[at] : -1;
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }
}
