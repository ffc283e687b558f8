package dev.chainrule.engine.training;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small regression networks and data for the trainer tests, and the reference "manual" gradient step. */
final class TrainerFixtures {
    private TrainerFixtures() {
    }

    /** 3 - 5 (tanh) - 2 (linear), squared error, Xavier from the seed, in the given type. */
    static Network regressionNetwork(DataType type, long seed) {
        NetworkDefinition definition = new NetworkDefinition(3,
                List.of(new LayerSpec(5, Activation.TANH), new LayerSpec(2, Activation.LINEAR)),
                LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        Network network = Network.create(definition, type, LossKind.DEFAULT_EPSILON);
        network.initialise(seed);
        return network;
    }

    /** rows x 3 inputs in [-1, 1), targets a fixed smooth function of them, float64. */
    static double[][][] regressionData(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = TestArrays.uniform(random, rows, 3, -1, 1);
        double[][] y = new double[rows][2];
        for (int t = 0; t < rows; t++) {
            y[t][0] = x[t][0] - 0.5 * x[t][1] + 0.3 * x[t][2] * x[t][2];
            y[t][1] = Math.sin(x[t][1] + x[t][2]);
        }
        return new double[][][] {x, y};
    }

    static Dataset dataset(double[][][] xy, DataType type) {
        return new Dataset(TestArrays.nd(xy[0], type), TestArrays.nd(xy[1], type));
    }

    /** Rows [from, to) of m. */
    static double[][] rows(double[][] m, int from, int to) {
        double[][] out = new double[to - from][];
        for (int i = from; i < to; i++) {
            out[i - from] = m[i].clone();
        }
        return out;
    }

    /** Every parameter value as plain Java matrices, in parameters() order. */
    static List<double[][]> values(Network network) {
        List<double[][]> out = new ArrayList<>();
        for (Parameter p : network.parameters()) {
            out.add(TestArrays.java(p.value()));
        }
        return out;
    }

    /**
     * One gradient step done by hand: the network's gradient of the mean objective on (x, y) (itself held to
     * central differences by the gradient checks), plus the penalty's 2 l2 W + l1 sign(W) on weights, then
     * theta - lr * gradient in plain Java doubles, written back. Returns the batch objective before the step.
     */
    static double manualStep(Network network, double[][] x, double[][] y, double lr, double l1, double l2) {
        double loss = network.computeGradients(TestArrays.nd(x, network.dataType()), TestArrays.nd(y, network.dataType()));
        for (Parameter p : network.parameters()) {
            double[][] theta = TestArrays.java(p.value());
            double[][] g = TestArrays.java(p.gradient());
            for (int i = 0; i < theta.length; i++) {
                for (int j = 0; j < theta[i].length; j++) {
                    double gradient = g[i][j];
                    if (p.regularised()) {
                        gradient += 2 * l2 * theta[i][j] + l1 * Math.signum(theta[i][j]);
                    }
                    theta[i][j] -= lr * gradient;
                }
            }
            p.value().assign(TestArrays.nd(theta, network.dataType()));
        }
        return loss;
    }

    static double maxDifference(List<double[][]> a, List<double[][]> b) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, TestArrays.maxAbsDifference(a.get(i), b.get(i)));
        }
        return worst;
    }

    /** Records onBatch calls. */
    static final class BatchLog implements TrainingListener {
        final List<int[]> batches = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        final List<EpochReport> epochs = new ArrayList<>();

        @Override
        public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
            batches.add(new int[] {epoch, batch, batchesPerEpoch});
            losses.add(batchLoss);
        }

        @Override
        public void onEpoch(EpochReport report) {
            epochs.add(report);
        }
    }

    static INDArray nd(double[][] m) {
        return TestArrays.nd(m);
    }
}
