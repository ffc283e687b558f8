package dev.chainrule.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskTest {

    private static NetworkDefinition ending(LayerSpec output, LossKind loss) {
        return new NetworkDefinition(4, List.of(new LayerSpec(8, Activation.RELU), output), loss, WeightInitialiser.XAVIER);
    }

    @Test
    void theOutputActivationSaysTheTask() {
        assertThat(Task.of(ending(new LayerSpec(3, Activation.SOFTMAX), LossKind.CROSS_ENTROPY))).isEqualTo(Task.CLASSIFICATION);
        assertThat(Task.of(ending(new LayerSpec(1, Activation.LOGISTIC), LossKind.LOG_LOSS))).isEqualTo(Task.BINARY);
        assertThat(Task.of(ending(new LayerSpec(2, Activation.LINEAR), LossKind.SQUARED_ERROR))).isEqualTo(Task.REGRESSION);
        assertThat(Task.of(ending(new LayerSpec(2, Activation.TANH), LossKind.SQUARED_ERROR))).isEqualTo(Task.REGRESSION);
        assertThat(Task.of(ending(LayerSpec.maxout(2, 3), LossKind.SQUARED_ERROR))).isEqualTo(Task.REGRESSION);
        assertThat(Task.BINARY.jsonName()).isEqualTo("binary");
    }

    @Test
    void aSoftmaxRowsClassIsItsFirstLargestOutput() {
        float[] rows = {0.1f, 0.7f, 0.2f, /* second row: a tie */ 0.4f, 0.2f, 0.4f};
        assertThat(Task.CLASSIFICATION.classIndex(rows, 0, 3)).isEqualTo(1);
        assertThat(Task.CLASSIFICATION.classIndex(rows, 3, 3)).isZero();
        assertThat(Task.CLASSIFICATION.hasClassIndex(3)).isTrue();
    }

    @Test
    void oneLogisticUnitsClassIsOneFromAHalfOn() {
        float[] p = {0.5f, Math.nextDown(0.5f), 0.99f, 0f};
        assertThat(Task.BINARY.classIndex(p, 0, 1)).isEqualTo(1);
        assertThat(Task.BINARY.classIndex(p, 1, 1)).isZero();
        assertThat(Task.BINARY.classIndex(p, 2, 1)).isEqualTo(1);
        assertThat(Task.BINARY.classIndex(p, 3, 1)).isZero();
        assertThat(Task.BINARY.hasClassIndex(2)).as("several logistic units are independent probabilities").isFalse();
        assertThat(Task.REGRESSION.hasClassIndex(1)).isFalse();
        assertThatThrownBy(() -> Task.REGRESSION.classIndex(p, 0, 1)).isInstanceOf(IllegalStateException.class);
    }
}
