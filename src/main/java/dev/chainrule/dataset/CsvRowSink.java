package dev.chainrule.dataset;

import java.io.IOException;
import java.util.List;

/**
 * Where {@link CsvDatasetReader#stream} puts what it reads: first the column names, then one call per data row,
 * so a consumer can keep the rows in memory ({@link CsvTable}) or write them out as they come ({@link DatasetFileWriter}).
 */
public interface CsvRowSink {

    /** Called once, before any row: the feature columns in file order, the target columns in the order asked for. */
    void columns(List<String> featureNames, List<String> targetNames) throws IOException;

    /**
     * One data row. The arrays are reused for the next row: copy what must be kept.
     *
     * @param line the 1-based line of the file the row starts on (the header is line 1 or later)
     */
    void row(float[] features, float[] targets, long line) throws IOException;
}
