package dev.chainrule.dataset;

import java.io.FilterInputStream;
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
 * shared/data); every other column is a feature. A gzip-compressed stream is recognised by its magic bytes and
 * inflated on the fly.
 *
 * <p>The file is streamed record by record into growing float blocks, so memory holds the numbers (4 bytes
 * each) rather than the text. Blank lines are skipped. Anything else that cannot become a number fails with an
 * {@link InvalidCsvException} naming the 1-based line and the column.
 */
public final class CsvDatasetReader {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setIgnoreEmptyLines(false) // keeps Commons CSV's line count in step with ours; we skip blank records
            .get();
    private static final int LISTED_NAMES = 10;

    /** Names of the target columns; empty means the last column. */
    private final List<String> targetColumns;

    private CsvDatasetReader(List<String> targetColumns) {
        this.targetColumns = List.copyOf(targetColumns);
        if (new HashSet<>(this.targetColumns).size() != this.targetColumns.size()) {
            throw new IllegalArgumentException("target columns named twice: " + targetColumns);
        }
    }

    /** Takes the last column as the target, the convention of every CSV in shared/data. */
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
        InputStream shielded = new FilterInputStream(in) {
            @Override
            public void close() {
                // the caller closes its own stream; closing our wrappers must still free the inflater
            }
        };
        try (Reader reader = new InputStreamReader(GzipSniffer.decompressedIfGzip(shielded), StandardCharsets.UTF_8);
             CSVParser parser = FORMAT.parse(reader)) {
            return new Records(parser, source).read();
        }
    }

    /** One pass over one parser's records: header, then data rows. */
    private final class Records {
        private final CSVParser parser;
        private final Iterator<CSVRecord> iterator;
        private final String source;
        /** The line the last record read ended on; the next record starts on the line after. */
        private long linesConsumed;
        /** The 1-based line the current record starts on. */
        private long recordLine;

        Records(CSVParser parser, String source) {
            this.parser = parser;
            this.iterator = parser.iterator();
            this.source = source;
        }

        CsvTable read() throws IOException {
            CSVRecord headerRecord = nextNonBlank();
            if (headerRecord == null) {
                throw new InvalidCsvException(source, 1, null, "the file is empty; a header row of column names is required");
            }
            long headerLine = recordLine;
            List<String> header = headerNames(headerRecord, headerLine);
            int[] targetIndex = targetIndices(header, headerLine);
            int[] featureIndex = featureIndices(header.size(), targetIndex);
            if (featureIndex.length == 0) {
                throw new InvalidCsvException(source, headerLine, null,
                        "no feature columns: every column of the header is a target " + header);
            }

            GrowableFloatMatrix features = new GrowableFloatMatrix(featureIndex.length);
            GrowableFloatMatrix targets = new GrowableFloatMatrix(targetIndex.length);
            int[] lines = new int[1024];
            float[] featureRow = new float[featureIndex.length];
            float[] targetRow = new float[targetIndex.length];
            for (CSVRecord record = nextNonBlank(); record != null; record = nextNonBlank()) {
                checkWidth(record, header);
                for (int j = 0; j < featureIndex.length; j++) {
                    featureRow[j] = number(record.get(featureIndex[j]), header.get(featureIndex[j]));
                }
                for (int k = 0; k < targetIndex.length; k++) {
                    targetRow[k] = number(record.get(targetIndex[k]), header.get(targetIndex[k]));
                }
                int row = features.rows();
                if (row == lines.length) {
                    lines = Arrays.copyOf(lines, Math.addExact(row, row >> 1));
                }
                lines[row] = Math.toIntExact(recordLine);
                features.appendRow(featureRow);
                targets.appendRow(targetRow);
            }
            if (features.rows() == 0) {
                throw new InvalidCsvException(source, headerLine + 1, null, "no data rows after the header");
            }
            return new CsvTable(source, pick(header, featureIndex), pick(header, targetIndex), features, targets,
                    Arrays.copyOf(lines, features.rows()));
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
                    throw e.getCause();
                }
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
                    throw new InvalidCsvException(source, line, targetColumns.get(k),
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
