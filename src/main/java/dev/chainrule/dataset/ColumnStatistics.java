package dev.chainrule.dataset;

/**
 * Summary of one column of a dataset, over the float32 values as stored.
 *
 * @param name the column's name in the header
 * @param role "feature" or "target"
 * @param min  smallest value
 * @param max  largest value
 * @param mean arithmetic mean
 * @param std  population standard deviation (divided by the row count, as the input standardisation uses)
 */
public record ColumnStatistics(String name, String role, double min, double max, double mean, double std) {
    public static final String FEATURE = "feature";
    public static final String TARGET = "target";
}
