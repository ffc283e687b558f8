package dev.chainrule.engine.layer;

import static dev.chainrule.engine.TestArrays.nd;
import static dev.chainrule.engine.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each activation's float32 loops against its reference (the whole-array form float64 runs and the gradient
 * checks hold to numerical derivatives), both run on the same float32 arrays: forward and backward agree to a few
 * float32 roundings, on a batch wide enough to exercise the loops' full length, with large logits for softmax.
 */
class ActivationFastPathTest {

    static Stream<Arguments> activations() {
        return Stream.of(
                Arguments.of("relu", (Supplier<ActivationLayer>) ReluActivation::new, 3.0),
                Arguments.of("logistic", (Supplier<ActivationLayer>) LogisticActivation::new, 6.0),
                Arguments.of("tanh", (Supplier<ActivationLayer>) TanhActivation::new, 4.0),
                Arguments.of("softmax", (Supplier<ActivationLayer>) SoftmaxActivation::new, 60.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void theFloat32LoopsComputeWhatTheReferenceDoes(String name, Supplier<ActivationLayer> activation, double range) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        INDArray z = nd(uniform(random, 67, 13, -range, range), DataType.FLOAT);
        INDArray delta = nd(uniform(random, 67, 13, -1, 1), DataType.FLOAT);
        ActivationLayer fast = activation.get();
        ActivationLayer reference = activation.get();

        double[][] fastOut = TestArrays.java(fast.forwardThrough(z, false));
        double[][] referenceOut = TestArrays.java(reference.forwardThrough(z, true));
        assertClose(fastOut, referenceOut, 1e-7, name + " forward");

        double[][] fastBack = TestArrays.java(fast.backwardThrough(delta, false));
        double[][] referenceBack = TestArrays.java(reference.backwardThrough(delta, true));
        // softmax's backward subtracts delta . g from delta (|delta| <= 1), where float32 and double sums differ by
        // roundings of numbers near 1, whatever the size of the difference
        assertClose(fastBack, referenceBack, 4 * Math.ulp(1f), name + " backward");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void float64TakesTheReferenceAndFloat32TheLoops(String name, Supplier<ActivationLayer> activation, double range) {
        SplittableRandom random = new SplittableRandom(7);
        double[][] values = uniform(random, 5, 4, -range, range);
        ActivationLayer layer = activation.get();
        double[][] viaForward = TestArrays.java(layer.forward(nd(values, DataType.DOUBLE)));
        double[][] viaReference = TestArrays.java(activation.get().forwardThrough(nd(values, DataType.DOUBLE), true));
        assertThat(viaForward).isDeepEqualTo(viaReference);
        double[][] float32 = TestArrays.java(layer.forward(nd(values, DataType.FLOAT)));
        double[][] float32Loops = TestArrays.java(activation.get().forwardThrough(nd(values, DataType.FLOAT), false));
        assertThat(float32).isDeepEqualTo(float32Loops);
    }

    /** Within 4 float32 ulps of the larger magnitude, or {@code absolute} near zero. */
    static void assertClose(double[][] actual, double[][] expected, double absolute, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int r = 0; r < actual.length; r++) {
            for (int c = 0; c < actual[r].length; c++) {
                double tolerance = Math.max(absolute, 4 * Math.ulp((float) Math.max(Math.abs(actual[r][c]), Math.abs(expected[r][c]))));
                assertThat(actual[r][c]).as("%s [%d][%d]", what, r, c).isCloseTo(expected[r][c],
                        org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }
}
