package dev.chainrule.api.prediction;

import dev.chainrule.api.rows.InstanceRows;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plain shape of a JSON predict request, {@code {"instances": [[0.0, 0.32, ...], ...], "version": 2}}, read
 * from UTF-8 bytes in one pass straight into float32. Jackson took several times as long as the forward pass on a
 * 128-row MNIST request; this reader is several times faster because it knows the shape
 * (bench/results/2026-11-22-http-micro-session5.md).
 *
 * <p>It reads only that shape: an object with "instances" (rows of numbers) and optionally "version" (an integer
 * or null), JSON whitespace anywhere. For anything else (null rows, other fields, strings, escapes, a byte-order
 * mark, malformed JSON, numbers of more than {@value #MAX_NUMBER_LENGTH} characters) {@link #read} answers null
 * and the caller lets Jackson read the body, so every error a client sees is Jackson's, named as before.
 *
 * <p>Each number becomes the float32 nearest its decimal value (ties to even), as {@link Float#parseFloat} and
 * Jackson's {@code getFloatValue} give it.
 */
public final class PredictRequestJson {
    /** Longer numbers go to Jackson, which enforces its own limit on number length. */
    static final int MAX_NUMBER_LENGTH = 100;

    /** 10^0 .. 10^22, each exact in a double. */
    private static final double[] POWERS_OF_TEN = new double[23];
    /** 10^-0 .. 10^-22, each the double nearest it: a multiplication instead of a division per number. */
    private static final double[] INVERSE_POWERS_OF_TEN = new double[23];

    static {
        double power = 1;
        for (int e = 0; e < POWERS_OF_TEN.length; e++) {
            POWERS_OF_TEN[e] = power;
            INVERSE_POWERS_OF_TEN[e] = 1 / power;
            power *= 10;
        }
    }

    /** Eight bytes of the body at a time, for runs of digits. */
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
     * One JSON number (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) into values. Its first 18 significant digits
     * go into a long m and the value is m x 10^e in double arithmetic, which decides the float32 but for about one
     * number in 10^7 ({@link #nearestFloat}); those, and |e| > 22, Float.parseFloat decides. Runs of eight
     * fraction digits are read eight at a time.
     */
    private int number(final int start, int column) {
        final byte[] in = this.in;
        final int end = in.length;
        int i = start;
        boolean negative = i < end && in[i] == '-';
        if (negative) {
            i++;
        }
        long mantissa = 0;
        int digits = 0; // significant digits kept in mantissa
        int exponent = 0; // of ten, for the digits kept
        if (i < end && in[i] == '0') {
            i++;
            if (i < end && isDigit(in[i])) {
                return -1; // a leading zero: malformed, Jackson says so
            }
        } else {
            int first = i;
            for (; i < end && isDigit(in[i]); i++) {
                if (digits < 18) {
                    mantissa = mantissa * 10 + (in[i] - '0');
                    digits++;
                } else {
                    exponent++;
                }
            }
            if (i == first) {
                return -1;
            }
        }
        boolean integer = true; // no fraction, no exponent: Jackson reads "-0" as the integer 0, so +0.0
        if (i < end && in[i] == '.') {
            integer = false;
            int fractionStart = ++i;
            if (mantissa == 0) { // zeros before the first significant digit only move the point
                for (; i < end && in[i] == '0'; i++) {
                    exponent--;
                }
            }
            for (; digits <= 10 && i + 8 <= end; i += 8) {
                long eight = (long) EIGHT_BYTES.get(in, i);
                if (!eightDigits(eight)) {
                    break;
                }
                mantissa = mantissa * 100_000_000 + valueOfEightDigits(eight);
                digits += mantissa == 0 ? 0 : 8;
                exponent -= 8;
            }
            for (; i < end && isDigit(in[i]); i++) {
                if (digits < 18) {
                    mantissa = mantissa * 10 + (in[i] - '0');
                    digits += mantissa == 0 ? 0 : 1;
                    exponent--;
                }
            }
            if (i == fractionStart) {
                return -1;
            }
        }
        if (i < end && (in[i] == 'e' || in[i] == 'E')) {
            integer = false;
            i++;
            boolean negativeExponent = i < end && in[i] == '-';
            if (i < end && (in[i] == '-' || in[i] == '+')) {
                i++;
            }
            int exponentStart = i;
            int written = 0;
            for (; i < end && isDigit(in[i]); i++) {
                written = Math.min(written * 10 + (in[i] - '0'), 100_000);
            }
            if (i == exponentStart) {
                return -1;
            }
            exponent += negativeExponent ? -written : written;
        }
        if (i - start > MAX_NUMBER_LENGTH) {
            return -1;
        }
        float value = mantissa == 0 ? 0f : nearestFloat(mantissa, exponent, start, i);
        if (negative && !(integer && mantissa == 0)) {
            value = -value;
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

    /** Where a plain zero ("0" or "0.0") at i ends, or 0 when no such zero is there. */
    private static int zeroEnd(byte[] in, int i) {
        if (i + 3 >= in.length || in[i] != '0') {
            return 0;
        }
        int end = in[i + 1] == '.' && in[i + 2] == '0' ? i + 3 : i + 1;
        byte next = in[end];
        return isDigit(next) || next == '.' || next == 'e' || next == 'E' ? 0 : end;
    }

    /** Whether the eight bytes (little-endian in a long) are all ASCII digits. */
    private static boolean eightDigits(long bytes) {
        // a digit 0x30-0x39 keeps its high nibble 3 after adding 6; any other byte has or gets another
        return ((bytes & 0xF0F0F0F0F0F0F0F0L) | (((bytes + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) >>> 4))
                == 0x3333333333333333L;
    }

    /** The number written by eight ASCII digits, the first in the lowest byte: pairs, then quads, then all eight. */
    private static long valueOfEightDigits(long bytes) {
        long d = bytes - 0x3030303030303030L;
        long pairs = (d * 10 + (d >>> 8)) & 0x00FF00FF00FF00FFL; // each 16 bits: 10 x first + second
        long quads = (pairs * 100 + (pairs >>> 16)) & 0x0000FFFF0000FFFFL; // each 32 bits: four digits
        return (quads & 0xFFFFFFFFL) * 10_000 + (quads >>> 32);
    }

    /**
     * The float32 nearest mantissa x 10^exponent (mantissa > 0), the number's text deciding close calls. The
     * estimate rounds four times (m, the power of ten, the product; 10^-17 for digits left off), so it is within
     * 3.1 units in the last place of a double of the exact value; rounding it to float32 can only go wrong when it
     * lies within that of a midpoint between two floats, where the 29 bits a float drops read 1 and 28 zeros.
     */
    private float nearestFloat(long mantissa, int exponent, int start, int end) {
        if (exponent >= -22 && exponent <= 22) {
            double estimate = mantissa * (exponent < 0 ? INVERSE_POWERS_OF_TEN[-exponent] : POWERS_OF_TEN[exponent]);
            long dropped = Double.doubleToRawLongBits(estimate) & 0x1FFF_FFFFL;
            if (Math.abs(dropped - 0x1000_0000L) > 8 && estimate < Float.MAX_VALUE) { // >= 1e-22: a normal float
                return (float) estimate;
            }
        }
        return Math.abs(Float.parseFloat(text(start, end)));
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
