package dev.chainrule.dataset;

import de.siegmar.fastcsv.reader.CsvCallbackHandler;
import de.siegmar.fastcsv.reader.RecordType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What FastCSV's parser hands over, cell by cell, turned into the rows of a numeric dataset: the header's cells
 * as text, then each data cell parsed in place into a reused float row (no String per cell), checked against
 * the header's width. A record made of blank space is skipped, like an empty line. The first problem of a row
 * stops the read as an {@link InvalidCsvException} naming its line and column.
 */
final class CsvRowHandler extends CsvCallbackHandler<CsvRowHandler.Kind> {
    /** What a record was, once read. */
    enum Kind { HEADER, ROW }

    private final String source;
    private final CsvInput input;
    private final List<String> headerCells = new ArrayList<>();
    private CsvHeader header;
    private int width;
    private float[] features;
    private float[] targets;

    private RecordType type;
    private long line;
    private int fields;
    private boolean firstFieldBlank;
    private boolean lastFieldQuoted;
    /** The first cell of the row that is not a number, or -1. */
    private int badColumn;
    private String badCell;

    CsvRowHandler(String source, CsvInput input) {
        this.source = source;
        this.input = input;
    }

    /** The header is read: from now on records are data rows of its width. */
    void startRows(CsvHeader header) {
        this.header = header;
        this.width = header.width();
        this.features = new float[header.featureNames().size()];
        this.targets = new float[header.targetNames().size()];
    }

    /** The header's cells as read (after a {@link Kind#HEADER} record). */
    List<String> headerCells() {
        return headerCells;
    }

    /** The 1-based line the last record started on. */
    long line() {
        return line;
    }

    /** The last row's feature values (reused for the next row). */
    float[] features() {
        return features;
    }

    /** The last row's target values (reused for the next row). */
    float[] targets() {
        return targets;
    }

    @Override
    protected RecordType getRecordType() {
        return type;
    }

    @Override
    protected int getFieldCount() {
        return fields;
    }

    @Override
    protected void beginRecord(long startingLineNumber) {
        line = startingLineNumber;
        type = RecordType.DATA;
        fields = 0;
        badColumn = -1;
        lastFieldQuoted = false;
        input.recordStarts();
    }

    @Override
    protected void addField(char[] buf, int offset, int length, boolean quoted) {
        int column = fields++;
        lastFieldQuoted = quoted;
        if (column == 0) {
            firstFieldBlank = blank(buf, offset, length);
        }
        if (header == null) {
            headerCells.add(new String(buf, offset, length));
            return;
        }
        if (column >= width || badColumn >= 0) {
            return;
        }
        float value = CsvNumber.parse(buf, offset, length);
        if (Float.isNaN(value)) {
            badColumn = column;
            badCell = new String(buf, offset, length);
            return;
        }
        int slot = header.slot(column);
        if (slot >= 0) {
            features[slot] = value;
        } else {
            targets[~slot] = value;
        }
    }

    @Override
    protected void setComment(char[] buf, int offset, int length) {
        type = RecordType.COMMENT; // comments are not enabled; kept for the contract
    }

    @Override
    protected void setEmpty() {
        type = RecordType.EMPTY;
    }

    /** The record's kind, null for one to skip (an empty or blank line), or its first problem thrown. */
    @Override
    protected Kind buildRecord() {
        if (type != RecordType.DATA) {
            return null;
        }
        if (lastFieldQuoted && input.ended() && input.lastChar() != '"') {
            throw new Failure(new InvalidCsvException(source, line, null,
                    "a quote opened on this line is never closed (EOF reached before encapsulated token finished)"));
        }
        if (fields == 1 && firstFieldBlank) {
            headerCells.clear();
            return null;
        }
        if (header == null) {
            return Kind.HEADER;
        }
        if (fields < width) {
            throw new Failure(new InvalidCsvException(source, line, header.name(fields), "the row has " + fields
                    + " cells but the header has " + width + " columns: cells from this column on are missing"));
        }
        if (fields > width) {
            throw new Failure(new InvalidCsvException(source, line, header.name(width - 1), "the row has " + fields
                    + " cells but the header has " + width + " columns: " + (fields - width) + " cell(s) after this last column"));
        }
        if (badColumn >= 0) {
            throw new Failure(new InvalidCsvException(source, line, header.name(badColumn), CsvNumber.problem(badCell)));
        }
        return Kind.ROW;
    }

    private static boolean blank(char[] buf, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (!Character.isWhitespace(buf[i])) {
                return false;
            }
        }
        return true;
    }

    /** Carries a problem out through the parser, which lets only unchecked exceptions pass. */
    static final class Failure extends RuntimeException {
        final IOException problem;

        Failure(IOException problem) {
            super(problem.getMessage(), problem, false, false);
            this.problem = problem;
        }
    }
}
