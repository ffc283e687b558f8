package dev.chainrule.dataset;

import java.io.IOException;

/**
 * A CSV file whose content cannot become a dataset: the message names the source, the 1-based line and,
 * where one is to blame, the column, e.g. {@code iris.csv: line 7, column 'petal_width_cm': 'abc' is not a number}.
 * An {@link IOException} like Commons CSV's own parse errors, so callers that read uploads handle both alike;
 * {@link #lineNumber()} and {@link #columnName()} let an API turn it into a precise client error.
 */
public final class InvalidCsvException extends IOException {
    private final long lineNumber;
    private final String columnName;
    private final boolean missingTargetColumn;

    InvalidCsvException(String source, long lineNumber, String columnName, String problem) {
        this(source, lineNumber, columnName, problem, false);
    }

    private InvalidCsvException(String source, long lineNumber, String columnName, String problem, boolean missingTargetColumn) {
        super(source + ": line " + lineNumber + (columnName == null ? "" : ", column '" + columnName + "'") + ": " + problem);
        this.lineNumber = lineNumber;
        this.columnName = columnName;
        this.missingTargetColumn = missingTargetColumn;
    }

    /** A target column the caller named is not in the header (the caller's choice is to blame, not the file). */
    static InvalidCsvException missingTargetColumn(String source, long headerLine, String column, String problem) {
        return new InvalidCsvException(source, headerLine, column, problem, true);
    }

    InvalidCsvException(String source, long lineNumber, String problem, Throwable cause) {
        this(source, lineNumber, null, problem);
        initCause(cause);
    }

    /** 1-based line of the file where the problem is (the header is line 1). */
    public long lineNumber() {
        return lineNumber;
    }

    /** The column to blame, or null when the problem is not one column's (an empty file, a quoting error). */
    public String columnName() {
        return columnName;
    }

    /** Whether the problem is a target column, asked for by name, that the header does not have. */
    public boolean missingTargetColumn() {
        return missingTargetColumn;
    }
}
