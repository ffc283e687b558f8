package dev.chainrule.engine.optim;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An optimiser's exported state holds what the next step depends on (checked against the first step's state
 * computed by hand), is a copy, and restored into a fresh optimiser gives the very same next step (same bits)
 * as the optimiser it came from.
 */
class OptimiserStateTest {
    private static final double TOLERANCE = 1e-15;

    private double[][][] theta0;
    private double[][][] g1;
    private double[][][] g2;

    @BeforeEach
    void setUp() {
        SplittableRandom random = new SplittableRandom(131);
        theta0 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
        g1 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
        g2 = new double[][][] {TestArrays.uniform(random, 2, 3, -1, 1), TestArrays.uniform(random, 1, 3, -1, 1)};
    }

    private List<Parameter> parameters(double[][][] values) {
        return List.of(new Parameter("l.W", nd(values[0]), nd(new double[2][3]), true),
                new Parameter("l.b", nd(values[1]), nd(new double[1][3]), false));
    }

    private static void step(Optimiser optimiser, List<Parameter> parameters, double[][][] gradients) {
        for (int p = 0; p < parameters.size(); p++) {
            parameters.get(p).gradient().assign(nd(gradients[p]));
        }
        optimiser.step(parameters);
    }

    private static double[][][] values(List<Parameter> parameters) {
        return new double[][][] {java(parameters.get(0).value()), java(parameters.get(1).value())};
    }

    private static double[][] scaled(double[][] m, double factor) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= factor;
            }
        }
        return out;
    }

    private static void assertClose(INDArray actual, double[][] expected) {
        assertThat(TestArrays.maxAbsDifference(java(actual), expected)).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Two steps straight through, against one step, export, restore into a fresh optimiser, second step. */
    private void assertRestoredStepIsIdentical(OptimiserSettings settings) {
        List<Parameter> straight = parameters(theta0);
        Optimiser original = settings.create();
        step(original, straight, g1);
        double[][][] theta1 = values(straight);
        OptimiserState state = original.state();
        step(original, straight, g2);

        List<Parameter> resumed = parameters(theta1);
        Optimiser restored = settings.create();
        restored.restore(state);
        step(restored, resumed, g2);

        for (int p = 0; p < 2; p++) {
            assertThat(resumed.get(p).value().data().asDouble()).as(resumed.get(p).name())
                    .isEqualTo(straight.get(p).value().data().asDouble());
        }
        assertThat(restored.state().steps()).isEqualTo(original.state().steps());
        assertThat(restored.state().arrays().keySet()).isEqualTo(original.state().arrays().keySet());
        original.state().arrays().forEach((name, array) ->
                assertThat(restored.state().arrays().get(name).data().asDouble()).as(name).isEqualTo(array.data().asDouble()));
    }

    @Test
    void momentumStateIsTheVelocityAndRestoresExactly() {
        double lr = 0.1;
        Optimiser momentum = OptimiserSettings.momentum(lr, 0.9).create();
        assertThat(momentum.state().arrays()).isEmpty();
        step(momentum, parameters(theta0), g1);
        OptimiserState state = momentum.state();
        assertThat(state.kind()).isEqualTo(OptimiserSettings.Kind.MOMENTUM);
        assertThat(state.arrays().keySet()).containsExactly("l.W/velocity", "l.b/velocity");
        // v1 = -lr g1
        assertClose(state.array("l.W", "velocity"), scaled(g1[0], -lr));
        assertClose(state.array("l.b", "velocity"), scaled(g1[1], -lr));

        double[] before = state.array("l.W", "velocity").data().asDouble();
        step(momentum, parameters(theta0), g2);
        assertThat(state.array("l.W", "velocity").data().asDouble()).as("the state is a copy").isEqualTo(before);

        assertRestoredStepIsIdentical(OptimiserSettings.momentum(lr, 0.9));
    }

    @Test
    void adamStateIsBothMomentsAndTheStepCountAndRestoresExactly() {
        Optimiser adam = OptimiserSettings.adam(0.01).create();
        assertThat(adam.state().steps()).isZero();
        step(adam, parameters(theta0), g1);
        OptimiserState state = adam.state();
        assertThat(state.kind()).isEqualTo(OptimiserSettings.Kind.ADAM);
        assertThat(state.steps()).isEqualTo(1);
        assertThat(state.arrays().keySet()).containsExactly("l.W/m", "l.W/v", "l.b/m", "l.b/v");
        for (int p = 0; p < 2; p++) {
            String name = p == 0 ? "l.W" : "l.b";
            double[][] m1 = scaled(g1[p], 1 - 0.9);
            double[][] v1 = new double[g1[p].length][3];
            for (int i = 0; i < v1.length; i++) {
                for (int j = 0; j < 3; j++) {
                    v1[i][j] = (1 - 0.999) * g1[p][i][j] * g1[p][i][j];
                }
            }
            assertClose(state.array(name, "m"), m1);
            assertClose(state.array(name, "v"), v1);
        }
        // the step count matters: restoring the moments with t = 0 would give another step
        assertRestoredStepIsIdentical(OptimiserSettings.adam(0.01));
        Optimiser wrongT = OptimiserSettings.adam(0.01).create();
        wrongT.restore(new OptimiserState(OptimiserSettings.Kind.ADAM, 5, state.arrays()));
        List<Parameter> a = parameters(theta0);
        List<Parameter> b = parameters(theta0);
        Optimiser rightT = OptimiserSettings.adam(0.01).create();
        rightT.restore(state);
        step(rightT, a, g2);
        step(wrongT, b, g2);
        assertThat(a.get(0).value().data().asDouble()).isNotEqualTo(b.get(0).value().data().asDouble());
    }

    @Test
    void sgdHasNoStateAndRestoresAFreshOne() {
        Optimiser sgd = OptimiserSettings.sgd(0.1).create();
        step(sgd, parameters(theta0), g1);
        assertThat(sgd.state()).isEqualTo(OptimiserState.fresh(OptimiserSettings.Kind.SGD));
        assertRestoredStepIsIdentical(OptimiserSettings.sgd(0.1));
    }

    @Test
    void mismatchedStatesAreRefused() {
        Optimiser adam = OptimiserSettings.adam(0.01).create();
        step(adam, parameters(theta0), g1);
        OptimiserState state = adam.state();

        assertThatThrownBy(() -> OptimiserSettings.momentum(0.1, 0.9).create().restore(state))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot restore ADAM");
        assertThatThrownBy(() -> new OptimiserState(OptimiserSettings.Kind.ADAM, 1, Map.of("l.W/m", state.array("l.W", "m"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l.W needs the slots [m, v]");
        assertThatThrownBy(() -> new OptimiserState(OptimiserSettings.Kind.MOMENTUM, 0, Map.of("l.W/m", state.array("l.W", "m"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no array 'l.W/m'");

        List<Parameter> transposed = List.of(new Parameter("l.W", nd(new double[3][2]), nd(new double[3][2]), true),
                new Parameter("l.b", nd(new double[1][3]), nd(new double[1][3]), false));
        assertThatThrownBy(() -> state.requireFits(transposed))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l.W/m").hasMessageContaining("[3, 2]");
        assertThatThrownBy(() -> state.requireFits(transposed.subList(1, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown parameter l.W");
    }
}
