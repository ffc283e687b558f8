package dev.chainrule.dataset;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.util.Locale;

/**
 * A CSV cell as a finite float32: the nearest float to its decimal value (FastDoubleParser, as exact as
 * {@link Float#parseFloat}), or the reason it is none. Only decimal notation counts: JavaFloatParser, like
 * Float.parseFloat, would also take "NaN", hexadecimal and Java's "f"/"d" suffixes, which are not CSV numbers.
 */
final class CsvNumber {
    private CsvNumber() {
    }

    /**
     * The cell's value; NaN when it is not a finite decimal number (then {@link #problem} says why). Surrounding
     * spaces and tabs are ignored, as before.
     */
    static float parse(char[] buf, int offset, int length) {
        int start = offset;
        int end = offset + length;
        while (start < end && buf[start] <= ' ') {
            start++;
        }
        while (end > start && buf[end - 1] <= ' ') {
            end--;
        }
        if (start == end || !decimalEnds(buf, start, end)) {
            return Float.NaN;
        }
        try {
            float value = JavaFloatParser.parseFloat(buf, start, end - start);
            return Float.isInfinite(value) ? Float.NaN : value;
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    /**
     * Whether text that JavaFloatParser takes is a plain decimal, told by its ends alone rather than a pass over
     * every character: Java's other forms end in a letter (NaN, Infinity, the 1.5f and 2d suffixes) or start
     * with 0x (hexadecimal).
     */
    private static boolean decimalEnds(char[] buf, int start, int end) {
        char last = buf[end - 1];
        if (!(last >= '0' && last <= '9') && last != '.') {
            return false;
        }
        int digits = buf[start] == '-' || buf[start] == '+' ? start + 1 : start;
        return digits + 1 >= end || (buf[digits + 1] | 0x20) != 'x';
    }

    /** Why the cell is not a finite number ({@link #parse} gave NaN for it). */
    static String problem(String cell) {
        String text = cell.strip();
        if (text.isEmpty()) {
            return "empty cell (missing values are not supported)";
        }
        String word = text.replaceFirst("^[+-]", "").toLowerCase(Locale.ROOT);
        if (word.equals("nan") || word.equals("inf") || word.equals("infinity")) {
            return quoted(text) + " is not a finite number (NaN and infinities are not allowed)";
        }
        if (plainDecimal(text.toCharArray(), 0, text.length())) {
            try {
                if (Float.isInfinite(JavaFloatParser.parseFloat(text))) {
                    return quoted(text) + " is not a finite number: it is beyond the float32 range (about 3.4e38)";
                }
            } catch (NumberFormatException e) {
                // not a number after all, e.g. "1.2.3"
            }
        }
        return quoted(text) + " is not a number";
    }

    /** Whether the text has at least one digit and nothing but digits, sign, point and exponent. */
    private static boolean plainDecimal(char[] buf, int start, int end) {
        boolean digit = false;
        for (int i = start; i < end; i++) {
            char c = buf[i];
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
                return false;
            }
        }
        return digit;
    }

    private static String quoted(String text) {
        return "'" + (text.length() <= 40 ? text : text.substring(0, 40) + "...") + "'";
    }
}
