package dev.chainrule.engine.training;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.Elements;
import dev.chainrule.engine.loss.LossKind;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulates a task's metrics over batches: accuracy for classification (arg max of a softmax output, or
 * y-hat >= 0.5 for each logistic output), mean squared error and R^2 for regression. R^2 = 1 - SSE / SST
 * with SST about each target column's mean over everything seen, summed over columns.
 */
public final class MetricAccumulator {
    private final LossKind task;
    private long rows;
    private long correct;
    private long decisions;
    private double sse;
    private double[] sum;
    private double[] sumOfSquares;

    public MetricAccumulator(LossKind task) {
        this.task = task;
    }

    /**
     * Adds a batch. Reads the two small matrices in place (see {@link Elements}): no ND4J op, no copy (a handful
     * of ND4J ops per batch cost 17 native allocations and more time than the arithmetic, bench/results).
     */
    public void add(INDArray predicted, INDArray target) {
        INDArray p = Blas.directlyUsable(predicted);
        INDArray y = Blas.directlyUsable(target);
        int t = (int) p.rows();
        int k = (int) p.columns();
        long n = p.length();
        rows += t;
        switch (task) {
            case CROSS_ENTROPY -> {
                for (int r = 0; r < t; r++) {
                    if (argMax(p, (long) r * k, k) == argMax(y, (long) r * k, k)) {
                        correct++;
                    }
                }
                decisions += t;
            }
            case LOG_LOSS -> {
                for (int i = 0; i < n; i++) {
                    if ((Elements.get(p, i) >= 0.5) == (Elements.get(y, i) >= 0.5)) {
                        correct++;
                    }
                }
                decisions += n;
            }
            case SQUARED_ERROR -> {
                if (sum == null) {
                    sum = new double[k];
                    sumOfSquares = new double[k];
                }
                for (int i = 0; i < n; i++) {
                    double yi = Elements.get(y, i);
                    double d = yi - Elements.get(p, i);
                    sse += d * d;
                    sum[(int) (i % k)] += yi;
                    sumOfSquares[(int) (i % k)] += yi * yi;
                }
            }
        }
    }

    private static int argMax(INDArray matrix, long offset, int length) {
        int best = 0;
        double bestValue = Elements.get(matrix, offset);
        for (int j = 1; j < length; j++) {
            double value = Elements.get(matrix, offset + j);
            if (value > bestValue) {
                best = j;
                bestValue = value;
            }
        }
        return best;
    }

    /** The metrics so far: {"accuracy"} or {"mse", "r2"}; empty before any data. */
    public Map<String, Double> result() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (rows == 0) {
            return out;
        }
        if (task == LossKind.SQUARED_ERROR) {
            double sst = 0;
            for (int k = 0; k < sum.length; k++) {
                sst += sumOfSquares[k] - sum[k] * sum[k] / rows;
            }
            out.put("mse", sse / (rows * (double) sum.length));
            if (sst > 0) {
                out.put("r2", 1 - sse / sst); // undefined for a constant target
            }
        } else {
            out.put("accuracy", correct / (double) decisions);
        }
        return out;
    }
}
