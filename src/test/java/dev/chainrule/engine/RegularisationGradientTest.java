package dev.chainrule.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * lambda Omega(theta) = l2 sum W^2 + l1 sum |W| over weights only (seed 003): the penalty against a plain-Java
 * sum, its gradient (Regularisation.addGradients on zeroed gradients) against central differences of
 * penalty(), and objective + penalty together against central differences of their sum. Weights are kept at
 * least 0.05 away from 0 so |w| is differentiable within a step.
 */
class RegularisationGradientTest {

    private static Network network() {
        Network network = NetworkGradientCheck.network(4, LossKind.SQUARED_ERROR, 0, 101,
                new LayerSpec(5, Activation.TANH), new LayerSpec(2, Activation.LINEAR));
        SplittableRandom random = new SplittableRandom(102);
        for (var fc : network.denseLayers()) {
            fc.weights().assign(TestArrays.nd(TestArrays.awayFromZero(random, fc.inputWidth(), fc.outputWidth(), 0.05, 1)));
        }
        return network;
    }

    private static void zeroGradients(Network network) {
        for (Parameter p : network.parameters()) {
            p.gradient().assign(0);
        }
    }

    @ParameterizedTest(name = "l1 {0}, l2 {1}")
    @CsvSource({"0, 0.3", "0.2, 0", "0.2, 0.3"})
    void penaltyIsTheHandSumOverWeightsOnly(double l1, double l2) {
        Network network = network();
        double expected = 0;
        for (Parameter p : network.parameters()) {
            if (p.name().endsWith(".W")) {
                for (double[] row : TestArrays.java(p.value())) {
                    for (double w : row) {
                        expected += l2 * w * w + l1 * Math.abs(w);
                    }
                }
            }
        }
        Regularisation regularisation = new Regularisation(l1, l2);
        assertThat(regularisation.penalty(network.parameters())).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-13));
        // biases do not enter: changing them leaves the penalty as it was
        network.denseLayers().get(0).bias().addi(10);
        assertThat(regularisation.penalty(network.parameters())).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-13));
    }

    @ParameterizedTest(name = "l1 {0}, l2 {1}")
    @CsvSource({"0, 0.3", "0.2, 0", "0.2, 0.3"})
    void penaltyGradientMatchesCentralDifferencesAndLeavesBiasesAlone(double l1, double l2) {
        Network network = network();
        Regularisation regularisation = new Regularisation(l1, l2);
        zeroGradients(network);
        regularisation.addGradients(network.parameters());
        for (Parameter p : network.parameters()) {
            if (p.regularised()) {
                NumericalGradient.check("penalty " + p.name(), p.gradient(), p.value(),
                        () -> regularisation.penalty(network.parameters()));
            } else {
                assertThat(p.gradient().amaxNumber().doubleValue()).as(p.name() + " is not penalised").isZero();
            }
        }
    }

    @ParameterizedTest(name = "l1 {0}, l2 {1}")
    @CsvSource({"0.2, 0.3"})
    void objectivePlusPenaltyGradientMatchesCentralDifferences(double l1, double l2) {
        Network network = network();
        Regularisation regularisation = new Regularisation(l1, l2);
        SplittableRandom random = new SplittableRandom(103);
        INDArray x = TestArrays.nd(TestArrays.uniform(random, 5, 4, -1, 1));
        INDArray y = TestArrays.nd(TestArrays.uniform(random, 5, 2, -1, 1));
        network.computeGradients(x, y);
        regularisation.addGradients(network.parameters());
        var analytic = network.parameters().stream().map(p -> p.gradient().dup()).toList();
        for (int i = 0; i < analytic.size(); i++) {
            Parameter p = network.parameters().get(i);
            NumericalGradient.check("objective + penalty " + p.name(), analytic.get(i), p.value(),
                    () -> network.loss(x, y) + regularisation.penalty(network.parameters()));
        }
    }

    @ParameterizedTest(name = "l1 {0}")
    @CsvSource({"0.2"})
    void l1SubgradientAtZeroIsZero(double l1) {
        Network network = network();
        network.denseLayers().get(0).weights().putScalar(0, 0, 0.0);
        zeroGradients(network);
        new Regularisation(l1, 0).addGradients(network.parameters());
        assertThat(network.denseLayers().get(0).weightGradient().getDouble(0, 0)).isZero();
        assertThat(Math.abs(network.denseLayers().get(0).weightGradient().getDouble(0, 1))).isEqualTo(l1);
    }
}
