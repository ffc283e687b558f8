package dev.chainrule.dataset;

/**
 * Min, max, mean and standard deviation of a stream of values in one pass, in float64, by Welford's update
 * (mean += (x - mean) / n; m2 += (x - old mean) (x - new mean)): no sum of squares that cancels catastrophically
 * when the mean is large next to the spread.
 */
final class RunningMoments {
    private long count;
    private double mean;
    private double m2;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    void add(double x) {
        count++;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
        if (x < min) {
            min = x;
        }
        if (x > max) {
            max = x;
        }
    }

    long count() {
        return count;
    }

    ColumnStatistics statistics(String name, String role) {
        if (count == 0) {
            throw new IllegalStateException("no values");
        }
        return new ColumnStatistics(name, role, shortest(min), shortest(max), mean, Math.sqrt(Math.max(0, m2 / count)));
    }

    /**
     * A float32 value as the double of its shortest decimal, so the 4.3 of a CSV reads 4.3 rather than the
     * 4.300000190734863 the float32 is exactly; values that are not float32 stay as they are.
     */
    private static double shortest(double value) {
        float f = (float) value;
        return f == value ? Double.parseDouble(Float.toString(f)) : value;
    }
}
