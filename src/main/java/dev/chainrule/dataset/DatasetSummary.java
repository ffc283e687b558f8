package dev.chainrule.dataset;

import java.util.List;
import java.util.Map;

/**
 * What a dataset holds, without its numbers: the shape, per-column statistics and, for a class target, the rows
 * per class.
 *
 * @param rows           data rows
 * @param featureColumns the feature columns' names, in file order
 * @param targetColumns  the target columns' names, in the order they were asked for
 * @param columns        statistics of every feature column, then every target column, in those orders
 * @param classCounts    rows per class id (ascending, absent ids left out) when there is exactly one target column
 *                       and every value in it is a class id (an integer 0..65535); otherwise null
 */
public record DatasetSummary(long rows, List<String> featureColumns, List<String> targetColumns,
                             List<ColumnStatistics> columns, Map<Integer, Long> classCounts) {

    public DatasetSummary {
        featureColumns = List.copyOf(featureColumns);
        targetColumns = List.copyOf(targetColumns);
        columns = List.copyOf(columns);
        classCounts = classCounts == null || classCounts.isEmpty() ? null : Map.copyOf(classCounts);
        if (columns.size() != featureColumns.size() + targetColumns.size()) {
            throw new IllegalArgumentException("one statistics entry per column: " + columns.size() + " for "
                    + (featureColumns.size() + targetColumns.size()) + " columns");
        }
    }

    /** The largest class id + 1, or 0 when the target is not a class column. */
    public int classCount() {
        return classCounts == null ? 0 : classCounts.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }
}
