package dev.chainrule.engine.training;

import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkGradientCheck;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The task metrics the trainer reports, accumulated over batches, against hand computations. */
class MetricAccumulatorTest {

    @Test
    void accuracyForSoftmaxOutputsIsArgMaxAgreement() {
        double[][] p = {{0.7, 0.2, 0.1}, {0.1, 0.3, 0.6}, {0.2, 0.5, 0.3}, {0.4, 0.4, 0.2}};
        double[][] y = {{1, 0, 0}, {0, 1, 0}, {0, 1, 0}, {0, 0, 1}};
        MetricAccumulator metrics = new MetricAccumulator(LossKind.CROSS_ENTROPY);
        metrics.add(nd(new double[][] {p[0], p[1]}), nd(new double[][] {y[0], y[1]}));
        metrics.add(nd(new double[][] {p[2], p[3]}), nd(new double[][] {y[2], y[3]}));
        assertThat(metrics.result()).containsExactly(Map.entry("accuracy", 0.5));
    }

    @Test
    void accuracyForLogisticOutputsThresholdsEachOutputAtOneHalf() {
        double[][] p = {{0.9, 0.4}, {0.5, 0.49}, {0.2, 0.7}};
        double[][] y = {{1, 0}, {1, 1}, {1, 1}};
        MetricAccumulator metrics = new MetricAccumulator(LossKind.LOG_LOSS);
        metrics.add(nd(p), nd(y));
        // decisions: (1,0) (1,0) (0,1) against (1,0) (1,1) (1,1): 4 of 6 right
        assertThat(metrics.result().get("accuracy")).isCloseTo(4 / 6.0, within(1e-15));
    }

    @Test
    void mseAndR2ForRegressionOverSeveralBatches() {
        SplittableRandom random = new SplittableRandom(231);
        double[][] y = TestArrays.uniform(random, 9, 2, -3, 3);
        double[][] p = TestArrays.uniform(random, 9, 2, -3, 3);
        MetricAccumulator metrics = new MetricAccumulator(LossKind.SQUARED_ERROR);
        metrics.add(nd(TrainerFixtures.rows(p, 0, 4)), nd(TrainerFixtures.rows(y, 0, 4)));
        metrics.add(nd(TrainerFixtures.rows(p, 4, 9)), nd(TrainerFixtures.rows(y, 4, 9)));
        double sse = 0;
        double sst = 0;
        for (int k = 0; k < 2; k++) {
            double mean = 0;
            for (double[] row : y) {
                mean += row[k] / 9;
            }
            for (int t = 0; t < 9; t++) {
                sse += (y[t][k] - p[t][k]) * (y[t][k] - p[t][k]);
                sst += (y[t][k] - mean) * (y[t][k] - mean);
            }
        }
        Map<String, Double> result = metrics.result();
        assertThat(result.get("mse")).isCloseTo(sse / 18, within(1e-13));
        assertThat(result.get("r2")).isCloseTo(1 - sse / sst, within(1e-13));
    }

    @Test
    void evaluateIsTheMeanLossOverChunks() {
        // more rows than one evaluation chunk (4096), so the chunked mean is exercised
        Network network = NetworkGradientCheck.network(3, LossKind.CROSS_ENTROPY, 1e-7, 232,
                new LayerSpec(4, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
        int rows = Trainer.EVALUATION_CHUNK + 904;
        SplittableRandom random = new SplittableRandom(233);
        double[][] x = TestArrays.uniform(random, rows, 3, -1, 1);
        double[][] y = TestArrays.oneHot(random, rows, 3);
        Trainer.Evaluation evaluation = Trainer.evaluate(network, new Dataset(nd(x), nd(y)));
        double[][] p = TestArrays.java(network.predict(nd(x)));
        double loss = 0;
        int correct = 0;
        for (int t = 0; t < rows; t++) {
            int predicted = 0;
            int label = 0;
            for (int k = 0; k < 3; k++) {
                loss -= y[t][k] * Math.log(p[t][k] + 1e-7);
                if (p[t][k] > p[t][predicted]) {
                    predicted = k;
                }
                if (y[t][k] == 1) {
                    label = k;
                }
            }
            correct += predicted == label ? 1 : 0;
        }
        assertThat(evaluation.loss()).isCloseTo(loss / rows, within(1e-12));
        assertThat(evaluation.metrics().get("accuracy")).isCloseTo(correct / (double) rows, within(1e-15));
    }
}
