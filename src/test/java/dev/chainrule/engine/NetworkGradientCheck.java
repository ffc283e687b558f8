package dev.chainrule.engine;

import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.MaxoutLayer;
import dev.chainrule.engine.layer.ReluActivation;
import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradient checks of whole networks: every parameter, and the per-row input gradient. */
public final class NetworkGradientCheck {
    private NetworkGradientCheck() {
    }

    /**
     * A float64 network with Xavier weights from the seed and biases drawn uniformly from [-0.5, 0.5) (not the
     * zeros initialise leaves, so that the bias terms really take part in the check).
     */
    public static Network network(int inputWidth, LossKind loss, double epsilon, long seed, LayerSpec... layers) {
        Network network = Network.create(new NetworkDefinition(inputWidth, List.of(layers), loss, WeightInitialiser.XAVIER),
                DataType.DOUBLE, epsilon);
        network.initialise(seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (var fc : network.denseLayers()) {
            fc.bias().assign(nd(TestArrays.uniform(random, 1, fc.outputWidth(), -0.5, 0.5)));
        }
        return network;
    }

    /**
     * Asserts every ReLU's input is at least {@code margin} away from 0 for this batch, so no difference step
     * (which moves a pre-activation by about 1e-6 times an input) crosses the kink. A precondition of the
     * check, not part of what it tests.
     */
    public static void assertReluInputsAwayFromZero(Network network, double[][] x, double margin) {
        INDArray h = nd(x);
        for (Layer layer : network.layers()) {
            if (layer instanceof ReluActivation) {
                double smallest = Double.POSITIVE_INFINITY;
                for (double[] row : TestArrays.java(h)) {
                    for (double v : row) {
                        smallest = Math.min(smallest, Math.abs(v));
                    }
                }
                assertThat(smallest).as("precondition: ReLU inputs away from the kink").isGreaterThan(margin);
            }
            h = layer.forward(h);
        }
    }

    /**
     * Asserts every maxout unit's two largest pieces are at least {@code margin} apart for this batch, so no difference
     * step changes which piece wins (the max is not differentiable at a tie). A precondition of the check.
     */
    public static void assertMaxoutAwayFromTies(Network network, double[][] x, double margin) {
        INDArray h = nd(x);
        boolean seen = false;
        for (Layer layer : network.layers()) {
            if (layer instanceof MaxoutLayer maxout) {
                seen = true;
                int k = maxout.pieces();
                for (double[] row : TestArrays.java(h)) {
                    for (int u = 0; u < maxout.units(); u++) {
                        double[] pieces = java.util.Arrays.copyOfRange(row, u * k, u * k + k);
                        java.util.Arrays.sort(pieces);
                        assertThat(pieces[k - 1] - pieces[k - 2]).as("precondition: maxout pieces away from a tie").isGreaterThan(margin);
                    }
                }
            }
            h = layer.forward(h);
        }
        assertThat(seen).as("the network has a maxout layer").isTrue();
    }

    /** computeGradients' dJ/dtheta for every weight and bias against central differences of loss(x, y). */
    public static void checkParameters(String what, Network network, double[][] x, double[][] y) {
        INDArray input = nd(x);
        INDArray target = nd(y);
        network.computeGradients(input, target);
        List<Parameter> parameters = network.parameters();
        // copy every analytic gradient before the numerical passes run the network again
        List<INDArray> analytic = parameters.stream().map(p -> p.gradient().dup()).toList();
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            NumericalGradient.check(what + " " + p.name(), analytic.get(i), p.value(), () -> network.loss(input, target));
        }
    }

    /**
     * Network.inputGradient (dJ_t/dx_t per row) against central differences of each row's own objective,
     * the network run on that row alone.
     */
    public static void checkInputGradient(String what, Network network, double[][] x, double[][] y) {
        double[][] analytic = TestArrays.java(network.inputGradient(nd(x), nd(y)));
        assertThat(analytic.length).isEqualTo(x.length);
        double[][] numeric = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            INDArray row = nd(TestArrays.row(x, t));
            INDArray target = nd(TestArrays.row(y, t));
            numeric[t] = NumericalGradient.of(row, () -> network.loss(row, target))[0];
        }
        NumericalGradient.assertMatch(what + " dJ_t/dx_t", analytic, numeric);
    }
}
