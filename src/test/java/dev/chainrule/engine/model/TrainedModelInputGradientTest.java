package dev.chainrule.engine.model;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkGradientCheck;
import dev.chainrule.engine.NumericalGradient;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TrainedModel.inputGradient is dJ_t/dx_t w.r.t. the RAW inputs, through the standardisation: checked
 * against central differences of each row's own objective as a function of its raw features
 * (standardise, then the network), on raw columns of very different scales and offsets, and a constant one.
 */
class TrainedModelInputGradientTest {
    private static final int T = 5;

    /** Raw features: ~1 around 0, ~10 around 100, ~0.01 around -3, and a constant column. */
    private static double[][] raw(long seed, int rows) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[rows][4];
        for (double[] row : x) {
            row[0] = random.nextDouble(-1, 1);
            row[1] = 100 + 10 * random.nextDouble(-1, 1);
            row[2] = -3 + 0.01 * random.nextDouble(-1, 1);
            row[3] = 2.5;
        }
        return x;
    }

    private static void checkRawInputGradient(String what, TrainedModel model, double[][] x, double[][] y) {
        double[][] analytic = java(model.inputGradient(nd(x), nd(y)));
        double[][] numeric = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            INDArray rawRow = nd(TestArrays.row(x, t));
            INDArray target = nd(TestArrays.row(y, t));
            numeric[t] = NumericalGradient.of(rawRow, () -> model.network().loss(model.standardise(rawRow), target))[0];
        }
        NumericalGradient.assertMatch(what, analytic, numeric);
    }

    @Test
    void classifierInputGradientIsWithRespectToRawInputs() {
        Network network = NetworkGradientCheck.network(4, LossKind.CROSS_ENTROPY, 0.0, 201,
                new LayerSpec(6, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX));
        TrainedModel model = new TrainedModel(network, Standardiser.fit(nd(raw(202, 40))));
        double[][] x = raw(203, T);
        double[][] y = TestArrays.oneHot(new SplittableRandom(204), T, 3);
        // the constant column is in the check too: with its std counted as 1 its raw derivative is the
        // standardised one, which is not 0 (moving the raw value off the constant does change the output)
        checkRawInputGradient("softmax classifier, raw inputs", model, x, y);
    }

    @Test
    void regressionInputGradientIsWithRespectToRawInputs() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, LossKind.DEFAULT_EPSILON, 205,
                new LayerSpec(5, Activation.LOGISTIC), new LayerSpec(2, Activation.LINEAR));
        TrainedModel model = new TrainedModel(network, Standardiser.fit(nd(raw(206, 40))));
        double[][] x = raw(207, T);
        double[][] y = TestArrays.uniform(new SplittableRandom(208), T, 2, -1, 1);
        checkRawInputGradient("regression, raw inputs", model, x, y);
    }

    @Test
    void rawGradientIsTheStandardisedGradientDividedByStd() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, LossKind.DEFAULT_EPSILON, 209,
                new LayerSpec(5, Activation.TANH), new LayerSpec(1, Activation.LINEAR));
        Standardiser standardiser = Standardiser.fit(nd(raw(210, 40)));
        TrainedModel model = new TrainedModel(network, standardiser);
        double[][] x = raw(211, T);
        double[][] y = TestArrays.uniform(new SplittableRandom(212), T, 1, -1, 1);
        double[][] raw = java(model.inputGradient(nd(x), nd(y)));
        double[][] standardised = java(network.inputGradient(standardiser.apply(nd(x)), nd(y)));
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < 4; j++) {
                double expected = standardised[t][j] / standardiser.std().getDouble(0, j);
                assertThat(raw[t][j]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-15 * Math.max(1, Math.abs(expected))));
            }
        }
        // predictions go through the same standardisation
        assertThat(java(model.predict(nd(x)))).isEqualTo(java(network.predict(standardiser.apply(nd(x)))));
    }

    @Test
    void withoutStandardiserTheModelIsTheNetwork() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, LossKind.DEFAULT_EPSILON, 213,
                new LayerSpec(3, Activation.TANH), new LayerSpec(1, Activation.LINEAR));
        TrainedModel model = new TrainedModel(network, null);
        double[][] x = TestArrays.uniform(new SplittableRandom(214), T, 4, -1, 1);
        double[][] y = TestArrays.uniform(new SplittableRandom(215), T, 1, -1, 1);
        checkRawInputGradient("no standardiser", model, x, y);
        assertThat(java(model.inputGradient(nd(x), nd(y)))).isEqualTo(java(network.inputGradient(nd(x), nd(y))));
    }
}
