package dev.chainrule.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import dev.chainrule.engine.layer.SoftmaxActivation;
import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Seed 001's "Chaining check", for a batch of T rows through a 5-7-6-3 network walked by hand: dJ/dy-hat is
 * T x K, stays T x K through the softmax, becomes T x D through a fully connected layer (D its input width),
 * whose dJ/dW is D x K and dJ/db 1 x K; then the same through each hidden activation and layer. T = 1 is the
 * lecture's single observation, R^(1 x K) . R^(K x K) = R^(1 x K) and R^(1 x K) . R^(K x D) = R^(1 x D).
 */
class ChainingShapeTest {

    @ParameterizedTest(name = "T = {0}")
    @ValueSource(ints = {1, 4})
    void shapesThroughEveryLayer(int rows) {
        Network network = NetworkGradientCheck.network(5, LossKind.CROSS_ENTROPY, LossKind.DEFAULT_EPSILON, 111,
                new LayerSpec(7, Activation.TANH), new LayerSpec(6, Activation.RELU), new LayerSpec(3, Activation.SOFTMAX));
        SplittableRandom random = new SplittableRandom(112);
        INDArray x = TestArrays.nd(TestArrays.uniform(random, rows, 5, -1, 1));
        INDArray y = TestArrays.nd(TestArrays.oneHot(random, rows, 3));

        INDArray yHat = network.forward(x);
        assertThat(yHat.shape()).containsExactly(rows, 3);

        List<Layer> layers = network.layers();
        assertThat(layers).hasSize(6);
        INDArray delta = network.lossFunction().gradient(yHat, y);
        assertThat(delta.shape()).as("dJ/dy-hat").containsExactly(rows, 3);

        delta = layers.get(5).backward(delta, true);
        assertThat(layers.get(5)).isInstanceOf(SoftmaxActivation.class);
        assertThat(delta.shape()).as("dJ/dh through softmax").containsExactly(rows, 3);

        long[][] expectedFc = {{5, 7}, {7, 6}, {6, 3}}; // D x K of each fully connected layer
        for (int i = 4; i >= 0; i--) {
            Layer layer = layers.get(i);
            delta = layer.backward(delta, true);
            if (layer instanceof FullyConnectedLayer fc) {
                long[] dk = expectedFc[i / 2];
                assertThat(delta.shape()).as("dJ/dx of layer %d", i).containsExactly(rows, dk[0]);
                assertThat(fc.weightGradient().shape()).as("dJ/dW of layer %d", i).containsExactly(dk[0], dk[1]);
                assertThat(fc.biasGradient().shape()).as("dJ/db of layer %d", i).containsExactly(1, dk[1]);
            } else {
                long width = expectedFc[i / 2][1];
                assertThat(delta.shape()).as("through activation %d", i).containsExactly(rows, width);
            }
        }
        assertThat(delta.shape()).as("dJ/dx of the network").containsExactly(rows, 5);

        // and the network's own backward leaves gradients of the same shapes as the parameters
        network.computeGradients(x, y);
        for (Parameter p : network.parameters()) {
            assertThat(p.gradient().shape()).as(p.name()).isEqualTo(p.value().shape());
        }
        assertThat(network.inputGradient(x, y).shape()).containsExactly(rows, 5);
    }
}
