package dev.chainrule.bench;

import java.util.Arrays;
import java.util.Locale;

/** Median, min and max of repeated measurements (of a rate: samples/s, GFLOP/s). */
record Stats(double median, double min, double max, int count) {

    static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[n - 1], n);
    }

    /** Spread of the repetitions relative to the median, as a percentage: (max - min) / median. */
    double spreadPercent() {
        return 100 * (max - min) / median;
    }

    /** "median (min-max)" with the given number format. */
    String format(String pattern) {
        return String.format(Locale.ROOT, pattern + " (" + pattern + " - " + pattern + ")", median, min, max);
    }
}
