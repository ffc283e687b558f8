package dev.chainrule.training;

import dev.chainrule.engine.loss.LossKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scoring job's metrics from running sums over its chunks, so they need no more memory than a chunk: for a softmax
 * classifier (cross_entropy) accuracy, log loss and the K x K confusion matrix (rows: the true class, columns: the
 * predicted one); for logistic outputs (log_loss) accuracy and log loss over every output's 0/1 decision (y-hat >=
 * 0.5) and their 2 x 2 confusion matrix; for regression (squared_error) MSE and MAE over every output value and R^2 =
 * 1 - SSE / SST, SST about each target column's mean, summed over columns (as training reports it). Log loss is the
 * model's own loss with its epsilon inside the logarithms (engine/loss): -sum y ln(y-hat + eps) per row, over rows.
 */
final class ScoringMetrics {
    private final LossKind loss;
    private final int k;
    private final double epsilon;
    private long rows;
    private long correct;
    private long decisions;
    private double lossSum;
    private final long[][] confusion;
    private double sse;
    private double sae;
    /** Per target column: running mean and sum of squared deviations (Welford), for SST without cancellation. */
    private final double[] mean;
    private final double[] m2;

    ScoringMetrics(LossKind loss, int outputs, double epsilon) {
        this.loss = loss;
        this.k = outputs;
        this.epsilon = epsilon;
        this.confusion = switch (loss) {
            case CROSS_ENTROPY -> new long[k][k];
            case LOG_LOSS -> new long[2][2];
            case SQUARED_ERROR -> null;
        };
        this.mean = new double[k];
        this.m2 = new double[k];
    }

    /**
     * Adds a chunk: its outputs and its targets as the network trains on them (one-hot rows for class ids), both
     * {@code height} x K row-major.
     */
    void add(float[] outputs, float[] targets, int height) {
        for (int r = 0; r < height; r++) {
            int at = r * k;
            rows++;
            switch (loss) {
                case CROSS_ENTROPY -> {
                    int predicted = ScoringRun.argMax(outputs, at, k);
                    int actual = ScoringRun.argMax(targets, at, k);
                    confusion[actual][predicted]++;
                    if (predicted == actual) {
                        correct++;
                    }
                    decisions++;
                    for (int j = 0; j < k; j++) {
                        float y = targets[at + j];
                        if (y != 0) {
                            lossSum -= y * Math.log(outputs[at + j] + epsilon);
                        }
                    }
                }
                case LOG_LOSS -> {
                    for (int j = 0; j < k; j++) {
                        double y = targets[at + j];
                        double p = outputs[at + j];
                        int predicted = p >= 0.5 ? 1 : 0;
                        int actual = y >= 0.5 ? 1 : 0;
                        confusion[actual][predicted]++;
                        if (predicted == actual) {
                            correct++;
                        }
                        decisions++;
                        if (y != 0) {
                            lossSum -= y * Math.log(p + epsilon);
                        }
                        if (y != 1) {
                            lossSum -= (1 - y) * Math.log(1 - p + epsilon);
                        }
                    }
                }
                case SQUARED_ERROR -> {
                    for (int j = 0; j < k; j++) {
                        double y = targets[at + j];
                        double d = y - outputs[at + j];
                        sse += d * d;
                        sae += Math.abs(d);
                        double delta = y - mean[j];
                        mean[j] += delta / rows;
                        m2[j] += delta * (y - mean[j]);
                    }
                }
            }
        }
    }

    /** The metrics of every row added: names as documented in openapi.yaml's ScoringMetrics; empty before any. */
    Map<String, Object> result() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (rows == 0) {
            return out;
        }
        if (loss == LossKind.SQUARED_ERROR) {
            double values = rows * (double) k;
            double sst = 0;
            for (double deviations : m2) {
                sst += deviations;
            }
            out.put("mse", sse / values);
            out.put("mae", sae / values);
            if (sst > 0) {
                out.put("r2", 1 - sse / sst); // undefined for a constant target
            }
            return out;
        }
        out.put("accuracy", correct / (double) decisions);
        out.put("logLoss", lossSum / rows);
        List<List<Long>> matrix = new ArrayList<>();
        for (long[] row : confusion) {
            List<Long> counts = new ArrayList<>();
            for (long count : row) {
                counts.add(count);
            }
            matrix.add(counts);
        }
        out.put("confusionMatrix", matrix);
        return out;
    }

    /** The scalar metrics only, for the job's finalMetrics. */
    static Map<String, Double> scalars(Map<String, Object> metrics) {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((name, value) -> {
            if (value instanceof Double number) {
                out.put(name, number);
            }
        });
        return out;
    }
}
