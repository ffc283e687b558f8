package dev.chainrule.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An uploaded CSV data set and what the service measured of it.
 *
 * @param id             the data set's id (train with it: {@link TrainRequest.Builder#dataset(String)})
 * @param name           its name
 * @param rows           data rows (the header not counted)
 * @param createdAt      when it was uploaded
 * @param sizeBytes      its size as stored
 * @param featureColumns the input columns, in order
 * @param targetColumns  the target columns, in order
 * @param columns        every column's role and statistics
 * @param classCounts    rows per class id, when there is one target column of non-negative integers; else null
 */
public record Dataset(String id, String name, long rows, Instant createdAt, long sizeBytes, List<String> featureColumns,
                      List<String> targetColumns, List<Column> columns, Map<String, Long> classCounts) {

    /**
     * One column.
     *
     * @param name its header
     * @param role "feature" or "target"
     * @param min  smallest value
     * @param max  largest value
     * @param mean mean
     * @param std  standard deviation
     */
    public record Column(String name, String role, double min, double max, double mean, double std) {
    }
}
