package dev.chainrule.engine.learning;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Held-out figures computed here from predictions, independently of the engine's MetricAccumulator, so each
 * learning test can also check that the engine's own evaluation reports the same thing.
 */
final class HeldOutMetrics {
    private HeldOutMetrics() {
    }

    /** Share of rows whose largest predicted probability is at the one-hot target's class. */
    static double classAccuracy(INDArray probabilities, INDArray oneHot) {
        int[] predicted = Nd4j.argMax(probabilities, 1).toIntVector();
        int[] actual = Nd4j.argMax(oneHot, 1).toIntVector();
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == actual[i] ? 1 : 0;
        }
        return right / (double) predicted.length;
    }

    /** Share of rows where (probability >= 0.5) matches a 0/1 target, for one logistic output. */
    static double binaryAccuracy(INDArray probabilities, INDArray targets) {
        double[] p = probabilities.castTo(DataType.DOUBLE).toDoubleVector();
        double[] y = targets.castTo(DataType.DOUBLE).toDoubleVector();
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += (p[i] >= 0.5 ? 1.0 : 0.0) == y[i] ? 1 : 0;
        }
        return right / (double) p.length;
    }

    /** Coefficient of determination of one output column, 1 - SSE / SST, in float64. */
    static double rSquared(INDArray predicted, INDArray actual) {
        double[] p = predicted.castTo(DataType.DOUBLE).toDoubleVector();
        double[] y = actual.castTo(DataType.DOUBLE).toDoubleVector();
        double mean = 0;
        for (double v : y) {
            mean += v / y.length;
        }
        double sse = 0;
        double sst = 0;
        for (int i = 0; i < y.length; i++) {
            sse += (y[i] - p[i]) * (y[i] - p[i]);
            sst += (y[i] - mean) * (y[i] - mean);
        }
        return 1 - sse / sst;
    }
}
