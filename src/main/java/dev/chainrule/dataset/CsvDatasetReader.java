package dev.chainrule.dataset;

import java.io.FilterInputStream;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a numeric CSV dataset: a header row of unique column names, then one observation per line, every cell
 * a finite number. The target column(s) are chosen by name (by default the last column, the convention of
 * the repository's datasets/); every other column is a feature. A gzip-compressed stream is recognised by its magic bytes and
 * inflated on the fly.
 *
 * <p>The file is streamed record by record: {@link #read} into growing float blocks, so memory holds the numbers
 * (4 bytes each) rather than the text; {@link #stream} into any {@link CsvRowSink}, e.g. a file on disk, so memory
 * holds one row. Blank lines are skipped. Anything else that cannot become a number fails with an
 * {@link InvalidCsvException} naming the 1-based line and the column.
 *
 * <p>Optional limits protect a service that reads uploads: at most so many columns (and, so that one endless line
 * cannot fill the heap before the column count is known, at most {@value #CHARS_PER_COLUMN} characters per allowed
 * column in one row), and at most so many bytes of CSV after decompression.
 */
public final class CsvDatasetReader {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setIgnoreEmptyLines(false) // keeps Commons CSV's line count in step with ours; we skip blank records
            .get();
    private static final int LISTED_NAMES = 10;
    /** Characters one row may have per allowed column: a float32 needs at most about 15, a name rarely more. */
    static final int CHARS_PER_COLUMN = 64;
    /** What Commons CSV's buffered reader may have read beyond the record it hands out (its buffer). */
    private static final int READ_AHEAD_CHARS = 8192;

    /** Names of the target columns; empty means the last column. */
    private final List<String> targetColumns;
    private final int maxColumns;
    private final String maxColumnsSetting;
    private final long maxBytes;
    private final String maxBytesSetting;

    private CsvDatasetReader(List<String> targetColumns, int maxColumns, String maxColumnsSetting, long maxBytes,
                             String maxBytesSetting) {
        this.targetColumns = List.copyOf(targetColumns);
        if (new HashSet<>(this.targetColumns).size() != this.targetColumns.size()) {
            throw new IllegalArgumentException("target columns named twice: " + targetColumns);
        }
        if (maxColumns < 2 || maxBytes < 1) {
            throw new IllegalArgumentException("maxColumns must be at least 2 and maxBytes at least 1, got " + maxColumns + ", " + maxBytes);
        }
        this.maxColumns = maxColumns;
        this.maxColumnsSetting = maxColumnsSetting;
        this.maxBytes = maxBytes;
        this.maxBytesSetting = maxBytesSetting;
    }

    private CsvDatasetReader(List<String> targetColumns) {
        this(targetColumns, Integer.MAX_VALUE, null, Long.MAX_VALUE, null);
    }

    /** Takes the last column as the target, the convention of every CSV in the repository's datasets/. */
    public static CsvDatasetReader lastColumnAsTarget() {
        return new CsvDatasetReader(List.of());
    }

    /** Takes the named columns as targets, in this order; every other column is a feature. */
    public static CsvDatasetReader targetColumns(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("name at least one target column");
        }
        return new CsvDatasetReader(Arrays.asList(names));
    }

    /** Takes the named columns as targets, or the last column when the list is empty. */
    public static CsvDatasetReader targetColumns(List<String> names) {
        return new CsvDatasetReader(names);
    }

    /**
     * This reader, refusing a header of more than {@code maxColumns} columns (and a row of more than
     * {@value #CHARS_PER_COLUMN} characters per allowed column).
     *
     * @param settingName how error messages name the setting to change, or null
     */
    public CsvDatasetReader withMaxColumns(int maxColumns, String settingName) {
        return new CsvDatasetReader(targetColumns, maxColumns, settingName, maxBytes, maxBytesSetting);
    }

    /**
     * This reader, failing with a {@link DatasetTooLargeException} once more than {@code maxBytes} bytes of CSV
     * have been read (counted after gzip decompression).
     *
     * @param settingName how error messages name the setting to change, or null
     */
    public CsvDatasetReader withMaxBytes(long maxBytes, String settingName) {
        return new CsvDatasetReader(targetColumns, maxColumns, maxColumnsSetting, maxBytes, settingName);
    }

    /** Reads a file, gzip-compressed or not; messages name it by its file name. */
    public CsvTable read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, String.valueOf(file.getFileName()));
        }
    }

    /**
     * Reads a stream to its end. The caller keeps ownership of {@code in} and closes it.
     *
     * @param source how error messages name the data, e.g. an uploaded file's name
     */
    public CsvTable read(InputStream in, String source) throws IOException {
        TableSink table = new TableSink(source);
        stream(in, source, table);
        return table.table();
    }

    /**
     * Reads a stream to its end, handing each row to {@code sink} as it is read; nothing but the current row is
     * kept. The caller keeps ownership of {@code in} and closes it.
     *
     * @param source how error messages name the data, e.g. an uploaded file's name
     * @return the number of data rows (at least 1: a file without any fails)
     * @throws InvalidCsvException       naming the line and column of the first problem
     * @throws DatasetTooLargeException  when the CSV passes {@link #withMaxBytes the byte limit}
     */
    public long stream(InputStream in, String source, CsvRowSink sink) throws IOException {
        InputStream shielded = new FilterInputStream(in) {
            @Override
            public void close() {
                // the caller closes its own stream; closing our wrappers must still free the inflater
            }
        };
        InputStream csv = GzipSniffer.decompressedIfGzip(shielded);
        if (maxBytes < Long.MAX_VALUE) {
            csv = new ByteLimit(csv, maxBytes, source, maxBytesSetting);
        }
        long maxRecordChars = maxColumns == Integer.MAX_VALUE ? Long.MAX_VALUE : (long) maxColumns * CHARS_PER_COLUMN;
        try (RecordLengthLimit reader = new RecordLengthLimit(new InputStreamReader(csv, StandardCharsets.UTF_8), maxRecordChars);
             CSVParser parser = FORMAT.parse(reader)) {
            return new Records(parser, reader, source, sink).read();
        }
    }

    /** One pass over one parser's records: header, then data rows. */
    private final class Records {
        private final CSVParser parser;
        private final RecordLengthLimit recordLength;
        private final Iterator<CSVRecord> iterator;
        private final String source;
        private final CsvRowSink sink;
        /** The line the last record read ended on; the next record starts on the line after. */
        private long linesConsumed;
        /** The 1-based line the current record starts on. */
        private long recordLine;

        Records(CSVParser parser, RecordLengthLimit recordLength, String source, CsvRowSink sink) {
            this.parser = parser;
            this.recordLength = recordLength;
            this.iterator = parser.iterator();
            this.source = source;
            this.sink = sink;
        }

        long read() throws IOException {
            CSVRecord headerRecord = nextNonBlank();
            if (headerRecord == null) {
                throw new InvalidCsvException(source, 1, null, "the file is empty; a header row of column names is required");
            }
            long headerLine = recordLine;
            if (headerRecord.size() > maxColumns) {
                throw new InvalidCsvException(source, headerLine, headerRecord.get(maxColumns).strip(),
                        "the header has " + headerRecord.size() + " columns; at most " + maxColumns + " are allowed"
                                + (maxColumnsSetting == null ? "" : " (" + maxColumnsSetting + ")") + ": this is column " + (maxColumns + 1));
            }
            List<String> header = headerNames(headerRecord, headerLine);
            int[] targetIndex = targetIndices(header, headerLine);
            int[] featureIndex = featureIndices(header.size(), targetIndex);
            if (featureIndex.length == 0) {
                throw new InvalidCsvException(source, headerLine, null,
                        "no feature columns: every column of the header is a target " + header);
            }

            sink.columns(pick(header, featureIndex), pick(header, targetIndex));
            float[] featureRow = new float[featureIndex.length];
            float[] targetRow = new float[targetIndex.length];
            long rows = 0;
            for (CSVRecord record = nextNonBlank(); record != null; record = nextNonBlank()) {
                checkWidth(record, header);
                for (int j = 0; j < featureIndex.length; j++) {
                    featureRow[j] = number(record.get(featureIndex[j]), header.get(featureIndex[j]));
                }
                for (int k = 0; k < targetIndex.length; k++) {
                    targetRow[k] = number(record.get(targetIndex[k]), header.get(targetIndex[k]));
                }
                sink.row(featureRow, targetRow, recordLine);
                rows++;
            }
            if (rows == 0) {
                throw new InvalidCsvException(source, headerLine + 1, null, "no data rows after the header");
            }
            return rows;
        }

        /** The next record that is not a blank line, or null at the end; sets {@link #recordLine}. */
        private CSVRecord nextNonBlank() throws IOException {
            while (true) {
                CSVRecord record;
                recordLine = linesConsumed + 1;
                try {
                    if (!iterator.hasNext()) {
                        return null;
                    }
                    record = iterator.next();
                } catch (UncheckedIOException e) {
                    if (e.getCause() instanceof CSVException malformed) {
                        // e.g. a quote that is never closed
                        throw new InvalidCsvException(source, recordLine, malformed.getMessage(), malformed);
                    }
                    if (e.getCause() instanceof RecordTooLongException tooLong) {
                        throw new InvalidCsvException(source, recordLine, null, "the row is longer than "
                                + tooLong.maxChars + " characters (" + CHARS_PER_COLUMN + " per column the column limit of "
                                + maxColumns + " allows" + (maxColumnsSetting == null ? "" : ", " + maxColumnsSetting) + ")");
                    }
                    throw e.getCause();
                }
                recordLength.nextRecord();
                // hasNext() read exactly this record, so the parser's count ends with it (quoted newlines included)
                linesConsumed = parser.getCurrentLineNumber();
                if (!(record.size() == 1 && record.get(0).isBlank())) {
                    return record;
                }
            }
        }

        private List<String> headerNames(CSVRecord record, long line) throws InvalidCsvException {
            List<String> names = new ArrayList<>(record.size());
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < record.size(); i++) {
                String name = record.get(i).strip();
                if (i == 0 && name.startsWith("\uFEFF")) {
                    name = name.substring(1).strip(); // a byte-order mark, as spreadsheet exports write
                }
                if (name.isEmpty()) {
                    throw new InvalidCsvException(source, line, null, "column " + (i + 1) + " of the header has no name");
                }
                Integer earlier = seen.putIfAbsent(name, i);
                if (earlier != null) {
                    throw new InvalidCsvException(source, line, name,
                            "duplicate column name in the header (columns " + (earlier + 1) + " and " + (i + 1) + ")");
                }
                names.add(name);
            }
            return names;
        }

        private int[] targetIndices(List<String> header, long line) throws InvalidCsvException {
            if (targetColumns.isEmpty()) {
                return new int[] {header.size() - 1};
            }
            int[] indices = new int[targetColumns.size()];
            for (int k = 0; k < indices.length; k++) {
                indices[k] = header.indexOf(targetColumns.get(k));
                if (indices[k] < 0) {
                    throw InvalidCsvException.missingTargetColumn(source, line, targetColumns.get(k),
                            "no such target column in the header " + abbreviated(header));
                }
            }
            return indices;
        }

        private void checkWidth(CSVRecord record, List<String> header) throws InvalidCsvException {
            int cells = record.size();
            if (cells < header.size()) {
                throw new InvalidCsvException(source, recordLine, header.get(cells),
                        "the row has " + cells + " cells but the header has " + header.size() + " columns: cells from this column on are missing");
            }
            if (cells > header.size()) {
                throw new InvalidCsvException(source, recordLine, header.get(header.size() - 1),
                        "the row has " + cells + " cells but the header has " + header.size() + " columns: "
                                + (cells - header.size()) + " cell(s) after this last column");
            }
        }

        /** A finite float32 from a cell, or an exception naming this line and the column. */
        private float number(String cell, String column) throws InvalidCsvException {
            String text = cell.strip();
            if (text.isEmpty()) {
                throw new InvalidCsvException(source, recordLine, column, "empty cell (missing values are not supported)");
            }
            if (!plainDecimal(text)) {
                String word = text.replaceFirst("^[+-]", "").toLowerCase(Locale.ROOT);
                if (word.equals("nan") || word.equals("inf") || word.equals("infinity")) {
                    throw new InvalidCsvException(source, recordLine, column,
                            quoted(text) + " is not a finite number (NaN and infinities are not allowed)");
                }
                throw new InvalidCsvException(source, recordLine, column, quoted(text) + " is not a number");
            }
            float value;
            try {
                value = Float.parseFloat(text);
            } catch (NumberFormatException e) {
                throw new InvalidCsvException(source, recordLine, column, quoted(text) + " is not a number");
            }
            if (Float.isInfinite(value)) {
                throw new InvalidCsvException(source, recordLine, column,
                        quoted(text) + " is not a finite number: it is beyond the float32 range (about 3.4e38)");
            }
            return value;
        }
    }

    /** Keeps the rows in growing float blocks, with their line numbers, for a {@link CsvTable}. */
    private static final class TableSink implements CsvRowSink {
        private final String source;
        private List<String> featureNames;
        private List<String> targetNames;
        private GrowableFloatMatrix features;
        private GrowableFloatMatrix targets;
        private int[] lines = new int[1024];

        TableSink(String source) {
            this.source = source;
        }

        @Override
        public void columns(List<String> featureNames, List<String> targetNames) {
            this.featureNames = featureNames;
            this.targetNames = targetNames;
            features = new GrowableFloatMatrix(featureNames.size());
            targets = new GrowableFloatMatrix(targetNames.size());
        }

        @Override
        public void row(float[] featureRow, float[] targetRow, long line) {
            int row = features.rows();
            if (row == lines.length) {
                lines = Arrays.copyOf(lines, Math.addExact(row, row >> 1));
            }
            lines[row] = Math.toIntExact(line);
            features.appendRow(featureRow);
            targets.appendRow(targetRow);
        }

        CsvTable table() {
            return new CsvTable(source, featureNames, targetNames, features, targets, Arrays.copyOf(lines, features.rows()));
        }
    }

    /** Fails the stream once it has given more than its limit of bytes. */
    private static final class ByteLimit extends FilterInputStream {
        private final long limit;
        private final String source;
        private final String setting;
        private long count;

        ByteLimit(InputStream in, long limit, String source, String setting) {
            super(in);
            this.limit = limit;
            this.source = source;
            this.setting = setting;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws DatasetTooLargeException {
            count += n;
            if (count > limit) {
                throw new DatasetTooLargeException(source, limit, setting);
            }
        }
    }

    /**
     * Fails once the characters read since the last record was handed out pass the record limit plus what the
     * parser's buffer may hold of the next one: a row within the limit always passes, an endless one stops early.
     */
    private static final class RecordLengthLimit extends FilterReader {
        private final long maxChars;
        private long read;
        private long recordStart;

        RecordLengthLimit(Reader in, long maxChars) {
            super(in);
            this.maxChars = maxChars;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count(1);
            }
            return c;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws RecordTooLongException {
            read += n;
            if (maxChars != Long.MAX_VALUE && read - recordStart > maxChars + 2L * READ_AHEAD_CHARS) {
                throw new RecordTooLongException(maxChars);
            }
        }

        void nextRecord() {
            recordStart = read;
        }
    }

    /** Internal signal of {@link RecordLengthLimit}, turned into an {@link InvalidCsvException} with the line. */
    private static final class RecordTooLongException extends IOException {
        final long maxChars;

        RecordTooLongException(long maxChars) {
            super("record longer than " + maxChars + " characters");
            this.maxChars = maxChars;
        }
    }

    /**
     * Whether the text uses only decimal notation (digits, sign, point, exponent): Float.parseFloat alone would
     * also take "NaN", hexadecimal and Java's "f"/"d" suffixes, which are not CSV numbers.
     */
    private static boolean plainDecimal(String text) {
        boolean digit = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
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

    private static String abbreviated(List<String> names) {
        if (names.size() <= LISTED_NAMES) {
            return names.toString();
        }
        return "[" + String.join(", ", names.subList(0, LISTED_NAMES)) + ", ... (" + names.size() + " columns)]";
    }

    private static int[] featureIndices(int width, int[] targetIndex) {
        Set<Integer> targets = new HashSet<>();
        for (int index : targetIndex) {
            targets.add(index);
        }
        int[] features = new int[width - targetIndex.length];
        int next = 0;
        for (int i = 0; i < width; i++) {
            if (!targets.contains(i)) {
                features[next++] = i;
            }
        }
        return features;
    }

    private static List<String> pick(List<String> names, int[] indices) {
        List<String> picked = new ArrayList<>(indices.length);
        for (int index : indices) {
            picked.add(names.get(index));
        }
        return picked;
    }
}
