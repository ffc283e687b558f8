package dev.chainrule.dataset;

import de.siegmar.fastcsv.reader.CloseableIterator;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Reads a numeric CSV dataset: a header row of unique column names, then one observation per line, every cell
 * a finite number. The target column(s) are chosen by name (by default the last column, the convention of
 * the repository's datasets/); every other column is a feature. A gzip-compressed stream is recognised by its magic bytes and
 * inflated on the fly.
 *
 * <p>The file is streamed record by record: {@link #read} into growing float blocks, so memory holds the numbers
 * (4 bytes each) rather than the text; {@link #stream} into any {@link CsvRowSink}, e.g. a file on disk, so memory
 * holds one row. FastCSV tokenises ({@link CsvRowHandler}), {@link CsvHeader} picks the columns, {@link CsvNumber}
 * turns cells into float32. Blank lines are skipped. Anything else that cannot become a number fails with an
 * {@link InvalidCsvException} naming the 1-based line and the column.
 *
 * <p>Optional limits protect a service that reads uploads: at most so many columns (and, so that one endless line
 * cannot fill the heap before the column count is known, at most {@value #CHARS_PER_COLUMN} characters per allowed
 * column in one row), at most so many bytes of CSV after decompression, and a gzip stream that inflates at most
 * so many times its size.
 */
public final class CsvDatasetReader {
    /** Characters one row may have per allowed column: a float32 needs at most about 15, a name rarely more. */
    static final int CHARS_PER_COLUMN = 64;
    /** FastCSV's own bound on one cell when the columns are not limited (its default). */
    private static final int UNLIMITED_CELL_CHARS = 16 * 1024 * 1024;

    /** Names of the target columns; empty means the last column. */
    private final List<String> targetColumns;
    private final int maxColumns;
    private final String maxColumnsSetting;
    private final long maxBytes;
    private final String maxBytesSetting;
    private final int maxGzipRatio;
    private final String maxGzipRatioSetting;

    private CsvDatasetReader(List<String> targetColumns, int maxColumns, String maxColumnsSetting, long maxBytes,
                             String maxBytesSetting, int maxGzipRatio, String maxGzipRatioSetting) {
        this.targetColumns = List.copyOf(targetColumns);
        if (new HashSet<>(this.targetColumns).size() != this.targetColumns.size()) {
            throw new IllegalArgumentException("target columns named twice: " + targetColumns);
        }
        if (maxColumns < 2 || maxBytes < 1 || maxGzipRatio < 1) {
            throw new IllegalArgumentException("maxColumns must be at least 2, maxBytes and maxGzipRatio at least 1, got "
                    + maxColumns + ", " + maxBytes + ", " + maxGzipRatio);
        }
        this.maxColumns = maxColumns;
        this.maxColumnsSetting = maxColumnsSetting;
        this.maxBytes = maxBytes;
        this.maxBytesSetting = maxBytesSetting;
        this.maxGzipRatio = maxGzipRatio;
        this.maxGzipRatioSetting = maxGzipRatioSetting;
    }

    private CsvDatasetReader(List<String> targetColumns) {
        this(targetColumns, Integer.MAX_VALUE, null, Long.MAX_VALUE, null, Integer.MAX_VALUE, null);
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
        return new CsvDatasetReader(targetColumns, maxColumns, settingName, maxBytes, maxBytesSetting, maxGzipRatio, maxGzipRatioSetting);
    }

    /**
     * This reader, failing with a {@link DatasetTooLargeException} once more than {@code maxBytes} bytes of CSV
     * have been read (counted after gzip decompression).
     *
     * @param settingName how error messages name the setting to change, or null
     */
    public CsvDatasetReader withMaxBytes(long maxBytes, String settingName) {
        return new CsvDatasetReader(targetColumns, maxColumns, maxColumnsSetting, maxBytes, settingName, maxGzipRatio, maxGzipRatioSetting);
    }

    /**
     * This reader, failing with a {@link DatasetTooLargeException} once a gzip stream has inflated to more than
     * {@code maxRatio} times the compressed bytes read so far (checked from its first
     * {@value GzipSniffer#RATIO_CHECKED_FROM} inflated bytes on), so a bomb stops long before the byte limit.
     *
     * @param settingName how error messages name the setting to change, or null
     */
    public CsvDatasetReader withMaxGzipRatio(int maxRatio, String settingName) {
        return new CsvDatasetReader(targetColumns, maxColumns, maxColumnsSetting, maxBytes, maxBytesSetting, maxRatio, settingName);
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
        CsvTableSink table = new CsvTableSink(source);
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
     * @throws DatasetTooLargeException  when the CSV passes {@link #withMaxBytes the byte limit} or
     *                                   {@link #withMaxGzipRatio the inflation limit}
     */
    public long stream(InputStream in, String source, CsvRowSink sink) throws IOException {
        InputStream shielded = new FilterInputStream(in) {
            @Override
            public void close() {
                // the caller closes its own stream; closing our wrappers must still free the inflater
            }
        };
        InputStream csv = GzipSniffer.decompressedIfGzip(shielded, maxGzipRatio, source, maxGzipRatioSetting);
        if (maxBytes < Long.MAX_VALUE) {
            csv = new ByteLimit(csv, maxBytes, source, maxBytesSetting);
        }
        long maxRecordChars = maxColumns == Integer.MAX_VALUE ? Long.MAX_VALUE : (long) maxColumns * CHARS_PER_COLUMN;
        // FastCSV's own bound on one cell stays above the row limit, which CsvInput enforces with a clearer message
        int maxCellChars = maxRecordChars == Long.MAX_VALUE ? UNLIMITED_CELL_CHARS
                : (int) Math.min(maxRecordChars + 4L * CsvInput.READ_AHEAD_CHARS, Integer.MAX_VALUE - 8);
        CsvInput input = new CsvInput(new InputStreamReader(csv, StandardCharsets.UTF_8), maxRecordChars);
        CsvRowHandler handler = new CsvRowHandler(source, input);
        try (CsvReader<CsvRowHandler.Kind> reader = CsvReader.builder()
                .skipEmptyLines(true)
                .allowExtraFields(true) // the handler names the row and column of a ragged row
                .allowMissingFields(true)
                .maxBufferSize(maxCellChars)
                .build(handler, input)) {
            return read(reader.iterator(), handler, source, sink);
        }
    }

    private long read(CloseableIterator<CsvRowHandler.Kind> records, CsvRowHandler handler, String source, CsvRowSink sink)
            throws IOException {
        if (!next(records, handler, source)) {
            throw new InvalidCsvException(source, 1, null, "the file is empty; a header row of column names is required");
        }
        long headerLine = handler.line();
        CsvHeader header = CsvHeader.of(handler.headerCells(), targetColumns, maxColumns, maxColumnsSetting, source, headerLine);
        handler.startRows(header);
        sink.columns(header.featureNames(), header.targetNames());
        long rows = 0;
        while (next(records, handler, source)) {
            sink.row(handler.features(), handler.targets(), handler.line());
            rows++;
        }
        if (rows == 0) {
            throw new InvalidCsvException(source, headerLine + 1, null, "no data rows after the header");
        }
        return rows;
    }

    /** Reads the next record into the handler; false at the end. Problems come out as the exceptions they are. */
    private boolean next(CloseableIterator<CsvRowHandler.Kind> records, CsvRowHandler handler, String source) throws IOException {
        try {
            if (!records.hasNext()) {
                return false;
            }
            records.next();
            return true;
        } catch (UncheckedIOException | CsvParseException e) {
            throw problem(e, handler, source);
        }
    }

    private IOException problem(RuntimeException e, CsvRowHandler handler, String source) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CsvRowHandler.Failure failure) {
                return failure.problem;
            }
            if (cause instanceof CsvInput.RecordTooLongException tooLong) {
                return new InvalidCsvException(source, handler.line(), null, "the row is longer than " + tooLong.maxChars
                        + " characters (" + CHARS_PER_COLUMN + " per column the column limit of " + maxColumns + " allows"
                        + (maxColumnsSetting == null ? "" : ", " + maxColumnsSetting) + ")");
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UncheckedIOException unchecked) {
                return unchecked.getCause(); // the stream's own: a byte limit, a broken upload
            }
            if (cause instanceof RuntimeException runtime && !(cause instanceof CsvParseException)) {
                throw runtime; // the stream's own unchecked ones, e.g. a request body over its size limit, as they are
            }
        }
        // FastCSV's own complaint about the text, e.g. a character after a closing quote
        Throwable innermost = e;
        while (innermost.getCause() != null) {
            innermost = innermost.getCause();
        }
        return new InvalidCsvException(source, handler.line(), innermost.getMessage(), e);
    }
}
