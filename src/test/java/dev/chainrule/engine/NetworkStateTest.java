package dev.chainrule.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** snapshot / restore / copy / replica, which early stopping's restore-best and the tests' manual replays rely on. */
class NetworkStateTest {

    private static Network network() {
        return NetworkGradientCheck.network(3, LossKind.CROSS_ENTROPY, 1e-9, 221,
                new LayerSpec(4, Activation.RELU), new LayerSpec(2, Activation.SOFTMAX));
    }

    @Test
    void snapshotIsACopyAndRestoreBringsItBack() {
        Network network = network();
        List<INDArray> snapshot = network.snapshot();
        assertThat(snapshot).hasSize(4);
        double[] before = snapshot.get(0).data().asDouble();
        network.parameters().get(0).value().addi(1);
        assertThat(snapshot.get(0).data().asDouble()).as("the snapshot does not follow the network").isEqualTo(before);
        network.restore(snapshot);
        for (int i = 0; i < 4; i++) {
            assertThat(network.parameters().get(i).value().data().asDouble()).isEqualTo(snapshot.get(i).data().asDouble());
        }
        assertThatThrownBy(() -> network.restore(snapshot.subList(0, 3))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.restore(List.of(snapshot.get(1), snapshot.get(0), snapshot.get(2), snapshot.get(3))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void copyIsIndependentAndKeepsTypeEpsilonAndFusedFlag() {
        Network network = network();
        network.setFusedSoftmaxCrossEntropy(false);
        Network copy = network.copy();
        assertThat(copy.dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(copy.lossEpsilon()).isEqualTo(1e-9);
        assertThat(copy.definition()).isEqualTo(network.definition());

        SplittableRandom random = new SplittableRandom(222);
        INDArray x = TestArrays.nd(TestArrays.uniform(random, 5, 3, -1, 1));
        INDArray y = TestArrays.nd(TestArrays.oneHot(random, 5, 2));
        assertThat(TestArrays.java(copy.predict(x))).isEqualTo(TestArrays.java(network.predict(x)));
        // with eps > 0 chained differs from fused by O(eps), so bit-equal gradients show the flag was copied
        network.computeGradients(x, y);
        copy.computeGradients(x, y);
        for (int i = 0; i < 4; i++) {
            assertThat(copy.parameters().get(i).gradient().data().asDouble())
                    .isEqualTo(network.parameters().get(i).gradient().data().asDouble());
        }
        copy.parameters().get(0).value().addi(1);
        assertThat(TestArrays.java(copy.predict(x))).isNotEqualTo(TestArrays.java(network.predict(x)));
    }

    @Test
    void replicaSharesTheWeightsHasItsOwnBuffersAndComputesNoParameterGradients() throws Exception {
        Network network = network();
        network.setFusedSoftmaxCrossEntropy(false);
        Network replica = network.replica();
        assertThat(replica.dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(replica.lossEpsilon()).isEqualTo(1e-9);
        for (int i = 0; i < 4; i++) {
            assertThat(replica.parameters().get(i).value()).as("the same array").isSameAs(network.parameters().get(i).value());
            assertThat(replica.parameters().get(i).gradient()).as("no gradient arrays").isNull();
        }

        SplittableRandom random = new SplittableRandom(223);
        INDArray a = TestArrays.nd(TestArrays.uniform(random, 5, 3, -1, 1));
        INDArray b = TestArrays.nd(TestArrays.uniform(random, 2, 3, -1, 1));
        INDArray y = TestArrays.nd(TestArrays.oneHot(random, 5, 2));
        double[][] expectedA = TestArrays.java(network.predict(a));
        double[][] expectedB = TestArrays.java(network.predict(b));
        // each network's forward result is its own buffer: one pass on the replica leaves the original's alone
        INDArray fromNetwork = network.forward(a);
        replica.forward(b);
        assertThat(TestArrays.java(fromNetwork)).isEqualTo(expectedA);
        assertThat(TestArrays.java(replica.lastOutput())).isEqualTo(expectedB);

        // passes on two threads at once give what one network gives alone
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = threads.submit(() -> repeatedPredictions(network, a));
            var second = threads.submit(() -> repeatedPredictions(replica, b));
            assertThat(first.get()).allSatisfy(p -> assertThat(p).isEqualTo(expectedA));
            assertThat(second.get()).allSatisfy(p -> assertThat(p).isEqualTo(expectedB));
        } finally {
            threads.shutdown();
        }

        // input gradients without parameter gradients: the same as the original's, which the replica leaves alone;
        // equal bits also show the fused flag came along (see copyIsIndependent...)
        double[][] expectedInputGradient = TestArrays.java(network.inputGradient(a, y));
        double[] networkGradient = network.parameters().get(0).gradient().data().asDouble();
        assertThat(TestArrays.java(replica.inputGradient(a, y))).isEqualTo(expectedInputGradient);
        assertThat(network.parameters().get(0).gradient().data().asDouble()).isEqualTo(networkGradient);
        assertThatThrownBy(() -> replica.computeGradients(a, y)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("replica");

        network.parameters().get(0).value().addi(1);
        assertThat(TestArrays.java(replica.predict(a))).as("a change to the weights shows in the replica")
                .isEqualTo(TestArrays.java(network.predict(a)))
                .isNotEqualTo(expectedA);
    }

    private static List<double[][]> repeatedPredictions(Network network, INDArray x) {
        List<double[][]> results = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(TestArrays.java(network.predict(x)));
        }
        return results;
    }

    @Test
    void forwardAcceptsOtherTypesAndViews() {
        Network network = network();
        double[][] values = TestArrays.uniform(new SplittableRandom(223), 6, 3, -1, 1);
        double[][] expected = TestArrays.java(network.predict(TestArrays.nd(values)));
        // a float64 view of rows 2..4 of a larger array
        INDArray big = TestArrays.nd(values);
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5), org.nd4j.linalg.indexing.NDArrayIndex.all());
        double[][] fromView = TestArrays.java(network.predict(view));
        for (int t = 0; t < 3; t++) {
            assertThat(fromView[t]).isEqualTo(expected[t + 2]);
        }
        // float32 input is cast to the network's type
        double[][] fromFloat = TestArrays.java(network.predict(TestArrays.nd(values, DataType.FLOAT)));
        assertThat(TestArrays.maxAbsDifference(fromFloat, expected)).isLessThan(1e-6);
    }
}
