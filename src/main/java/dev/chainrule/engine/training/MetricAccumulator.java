package dev.chainrule.engine.training;

import dev.chainrule.engine.loss.LossKind;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    public void add(INDArray predicted, INDArray target) {
        rows += predicted.rows();
        switch (task) {
            case CROSS_ENTROPY -> {
                INDArray hits = Nd4j.argMax(predicted, 1).eq(Nd4j.argMax(target, 1));
                correct += hits.castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
                decisions += predicted.rows();
            }
            case LOG_LOSS -> {
                INDArray decided = predicted.gte(0.5).castTo(target.dataType());
                correct += decided.eq(target).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
                decisions += predicted.length();
            }
            case SQUARED_ERROR -> {
                INDArray diff = target.sub(predicted);
                sse += diff.muli(diff).sumNumber().doubleValue();
                double[] columnSums = target.sum(0).toDoubleVector();
                double[] columnSquares = target.mul(target).sum(0).toDoubleVector();
                if (sum == null) {
                    sum = new double[columnSums.length];
                    sumOfSquares = new double[columnSums.length];
                }
                for (int k = 0; k < columnSums.length; k++) {
                    sum[k] += columnSums[k];
                    sumOfSquares[k] += columnSquares[k];
                }
            }
        }
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
