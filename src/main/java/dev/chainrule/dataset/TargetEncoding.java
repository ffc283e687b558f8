package dev.chainrule.dataset;

import dev.chainrule.engine.loss.LossKind;

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
            if (value != Math.rint(value) || !(value >= 0) || value >= outputWidth) {
                return "must be a class id 0.." + (outputWidth - 1) + " (the output layer has " + outputWidth + " units), got " + shown;
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

    /** Null when {@code value} can be one of a row's {@link #outputWidth} target values, else why not. */
    public String checkValue(double value) {
        if (!Double.isFinite(value) || Math.abs(value) > Float.MAX_VALUE) {
            return "must be a finite number, got " + value;
        }
        if (loss == LossKind.LOG_LOSS && value != 0 && value != 1) {
            return "must be 0 or 1 for log_loss, got " + value;
        }
        if (loss == LossKind.CROSS_ENTROPY && (value < 0 || value > 1)) {
            return "must be a probability in [0, 1], got " + value;
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
