package dev.chainrule.client;

import java.util.Arrays;
import java.util.List;

/**
 * Rows sent inside a training request: one row of features per observation and one target per row.
 *
 * @param features one array of the model's {@code inputWidth} numbers per row
 * @param targets  one target per row: a class id ({@code Integer}), a number ({@code Double}) or an array of
 *                 numbers ({@code double[]}, one per output)
 */
public record InlineData(double[][] features, List<?> targets) {

    /** Rows with one class id each (cross-entropy over a softmax output). */
    public static InlineData ofClasses(double[][] features, int[] classIds) {
        return new InlineData(features, Arrays.stream(classIds).boxed().toList());
    }

    /** Rows with one number each (a single output: regression, or 0/1 for log loss). */
    public static InlineData ofValues(double[][] features, double[] targets) {
        return new InlineData(features, Arrays.stream(targets).boxed().toList());
    }

    /** Rows with one number per output each (one-hot rows, distributions, several outputs). */
    public static InlineData ofVectors(double[][] features, double[][] targets) {
        return new InlineData(features, List.of(targets));
    }
}
