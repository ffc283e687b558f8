package dev.chainrule.dataset;

import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How target values become the network's targets (T x K, K = the output layer's units) for its loss, the same
 * for rows sent inline in JSON and for an uploaded dataset's target columns:
 * <ul>
 *   <li>one value per row: for cross_entropy a class id 0..K-1, which becomes a one-hot row; for a single
 *       output (K = 1) its target value;</li>
 *   <li>K values per row: one per output; 0 or 1 for log_loss, probabilities summing to 1 for cross_entropy.</li>
 * </ul>
 * Every check returns null when the value is fine, else the reason it is not, so each caller can say where.
 */
public final class TargetEncoding {
    /** How far a cross_entropy target row may sum from 1 (float32 rounding of a written distribution). */
    private static final double DISTRIBUTION_TOLERANCE = 1e-3;

    private final LossKind loss;
    private final int outputWidth;

    public TargetEncoding(LossKind loss, int outputWidth) {
        if (outputWidth < 1) {
            throw new IllegalArgumentException("outputWidth must be positive, got " + outputWidth);
        }
        this.loss = loss;
        this.outputWidth = outputWidth;
    }

    public LossKind loss() {
        return loss;
    }

    public int outputWidth() {
        return outputWidth;
    }

    /** Whether one number per row can be a row's target: a class id for cross_entropy, or a single output's value. */
    public boolean takesOneValue() {
        return loss == LossKind.CROSS_ENTROPY || outputWidth == 1;
    }

    /** Whether one value per row is a class id to expand into a one-hot row. */
    public boolean classIds() {
        return loss == LossKind.CROSS_ENTROPY;
    }

    /**
     * Writes row {@code row}'s target from one value into {@code out} (row-major, {@link #outputWidth} per row),
     * which must hold zeros there. Needs {@link #takesOneValue()}.
     *
     * @param shown the value as the caller received it, for the message
     * @return null, or why the value cannot be this row's target (then nothing was written)
     */
    public String encodeOne(double value, String shown, float[] out, int row) {
        if (loss == LossKind.CROSS_ENTROPY) {
            String problem = checkClassId(value, shown);
            if (problem != null) {
                return problem;
            }
            out[row * outputWidth + (int) value] = 1f;
            return null;
        }
        if (outputWidth != 1) {
            throw new IllegalStateException("one value per row needs cross_entropy or a single output");
        }
        String problem = checkValue(value);
        if (problem == null) {
            out[row] = (float) value;
        }
        return problem;
    }

    private String checkClassId(double value, String shown) {
        if (value != Math.rint(value) || !(value >= 0) || value >= outputWidth) {
            return "must be a class id 0.." + (outputWidth - 1) + " (the output layer has " + outputWidth + " units), got " + shown;
        }
        return null;
    }

    /** Null when one value per row ({@link #takesOneValue()}) can be a row's target, else why not. */
    private String checkOne(double value, String shown) {
        return classIds() ? checkClassId(value, shown) : checkValue(value);
    }

    /**
     * Checks a stored dataset's targets against this encoding from its summary alone (column count, per-column
     * min/max, class counts), without reading its rows; each problem names the column (or columns) in {@code where}.
     * It settles everything for one target column (class ids, 0/1, values). For one column per output it checks each
     * column's range, and for cross_entropy that the columns' means sum to 1; whether each row is 0/1 (log_loss) or
     * a distribution (cross_entropy) is only known row by row, so {@link DatasetFile#load} checks it when the rows
     * are read.
     */
    public void check(DatasetSummary summary, DatasetFile.Problems problems) {
        List<String> names = summary.targetColumns();
        String shape = checkColumnCount(names.size());
        if (shape != null) {
            problems.add(null, shape + " " + names);
            return;
        }
        List<ColumnStatistics> columns = summary.columns().subList(summary.featureColumns().size(), summary.columns().size());
        if (names.size() == 1 && takesOneValue()) {
            ColumnStatistics column = columns.get(0);
            String where = "column '" + column.name() + "'";
            if (summary.classCounts() != null) {
                // every value is a whole number 0..65535 and the counts say which: each one that does not fit, and in how many rows
                for (Map.Entry<Integer, Long> id : new TreeMap<>(summary.classCounts()).entrySet()) {
                    String problem = checkOne(id.getKey(), Integer.toString(id.getKey()));
                    if (problem != null) {
                        problems.add(where, problem + " (" + id.getValue() + (id.getValue() == 1 ? " row)" : " rows)"));
                        if (problems.isFull()) {
                            return;
                        }
                    }
                }
                return;
            }
            if (!checkRange(column, where, this::checkOne, problems) && (classIds() || loss == LossKind.LOG_LOSS)) {
                // no class counts: some value is not a whole number 0..65535, and the smallest and largest are fine
                problems.add(where, classIds()
                        ? checkClassId(0.5, "values that are not whole numbers")
                        : "must be 0 or 1 for log_loss, got values between 0 and 1");
            }
            return;
        }
        double meanSum = 0;
        for (ColumnStatistics column : columns) {
            checkRange(column, "column '" + column.name() + "'", (value, shown) -> checkValue(value), problems);
            meanSum += column.mean();
        }
        // the mean of the rows' sums is the sum of the columns' means: off by more than a row may be, some row is off
        if (loss == LossKind.CROSS_ENTROPY && Math.abs(meanSum - 1) > DISTRIBUTION_TOLERANCE + 1e-6) {
            problems.add("target columns " + names, "must be a distribution over the " + outputWidth
                    + " classes in every row (non-negative, summing to 1), sums to " + meanSum + " on average");
        }
    }

    /** Checks a column's smallest and largest values; true when either did not fit. */
    private static boolean checkRange(ColumnStatistics column, String where, ValueCheck check, DatasetFile.Problems problems) {
        String low = check.problem(column.min(), shown(column.min()));
        if (low != null) {
            problems.add(where, low + " (the column's smallest value)");
        }
        String high = column.max() == column.min() ? null : check.problem(column.max(), shown(column.max()));
        if (high != null) {
            problems.add(where, high + " (the column's largest value)");
        }
        return low != null || high != null;
    }

    /** A stored (float32) value as a message shows it: a whole number without ".0" (class 3, not 3.0). */
    public static String shown(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Float.toString((float) value);
    }

    private interface ValueCheck {
        String problem(double value, String shown);
    }

    /** Null when {@code value} can be one of a row's {@link #outputWidth} target values, else why not. */
    public String checkValue(double value) {
        if (!Double.isFinite(value) || Math.abs(value) > Float.MAX_VALUE) {
            return "must be a finite number, got " + shown(value);
        }
        if (loss == LossKind.LOG_LOSS && value != 0 && value != 1) {
            return "must be 0 or 1 for log_loss, got " + shown(value);
        }
        if (loss == LossKind.CROSS_ENTROPY && (value < 0 || value > 1)) {
            return "must be a probability in [0, 1], got " + shown(value);
        }
        return null;
    }

    /** Null when a row of {@link #outputWidth} valid values summing to {@code sum} is a valid target, else why not. */
    public String checkRowSum(double sum) {
        if (loss == LossKind.CROSS_ENTROPY && Math.abs(sum - 1) > DISTRIBUTION_TOLERANCE) {
            return "must be a distribution over the " + outputWidth + " classes (non-negative, summing to 1), sums to " + sum;
        }
        return null;
    }

    /**
     * Null when {@code targetColumns} columns can feed this output, else why not: one column of
     * {@link #takesOneValue() single values}, or one column per output unit.
     */
    public String checkColumnCount(int targetColumns) {
        if (targetColumns == outputWidth || (targetColumns == 1 && takesOneValue())) {
            return null;
        }
        String oneColumn = loss == LossKind.CROSS_ENTROPY ? "one column of class ids 0.." + (outputWidth - 1) + " or " : "";
        return "has " + targetColumns + " target column(s) but the model's output layer has " + outputWidth
                + " unit(s): give " + oneColumn + outputWidth + " target column(s)";
    }
}
