package dev.chainrule.dataset;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * The characters the CSV parser reads, watched: fails once the characters read since the current record began
 * pass the record limit plus what the parser's buffer may hold beyond it (a row within the limit always passes,
 * an endless one stops early), and remembers how the input ended, so that a quote still open at the end is told
 * from one closed by the last character.
 */
final class CsvInput extends FilterReader {
    /** What FastCSV's parser reads at a time, so what it may hold beyond the record it is in. */
    static final int READ_AHEAD_CHARS = 8192;

    private final long maxRecordChars;
    private long read;
    private long recordStart;
    private boolean ended;
    private int lastChar = -1;

    CsvInput(Reader in, long maxRecordChars) {
        super(in);
        this.maxRecordChars = maxRecordChars;
    }

    @Override
    public int read() throws IOException {
        char[] one = new char[1];
        return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            ended = true;
        } else if (n > 0) {
            lastChar = buffer[offset + n - 1];
            read += n;
            if (maxRecordChars != Long.MAX_VALUE && read - recordStart > maxRecordChars + 2L * READ_AHEAD_CHARS) {
                throw new RecordTooLongException(maxRecordChars);
            }
        }
        return n;
    }

    /** A record begins: the length limit counts from here. */
    void recordStarts() {
        recordStart = read;
    }

    /** Whether the end of the input has been reached. */
    boolean ended() {
        return ended;
    }

    /** The last character of the input read so far, or -1. */
    int lastChar() {
        return lastChar;
    }

    /** A row longer than the limit; {@link CsvDatasetReader} turns it into an {@link InvalidCsvException} with the line. */
    static final class RecordTooLongException extends IOException {
        final long maxChars;

        RecordTooLongException(long maxChars) {
            super("record longer than " + maxChars + " characters");
            this.maxChars = maxChars;
        }
    }
}
