package dev.chainrule.engine;

import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of a feed-forward network (seed 004, Module 4.1): an input width, fully connected layers
 * each followed by an activation, the objective, and how weights start.
 *
 * <p>Output layer and objective must fit together (seed 004's table, plus the binary case of seed 001):
 * <ul>
 *   <li>cross_entropy needs a softmax output of at least 2 units (a class distribution);</li>
 *   <li>log_loss needs a logistic output (one unit per independent yes/no target; usually 1);</li>
 *   <li>squared_error takes any output activation but softmax (use cross_entropy for distributions).</li>
 * </ul>
 * Softmax is accepted only on the output layer. Maxout may be any layer (an output one with squared_error).
 */
public record NetworkDefinition(int inputWidth, List<LayerSpec> layers, LossKind loss, WeightInitialiser initialiser) {

    public NetworkDefinition {
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(initialiser, "initialiser");
        layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
        if (inputWidth <= 0) {
            throw new IllegalArgumentException("inputWidth must be positive, got " + inputWidth);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        for (int i = 0; i < layers.size() - 1; i++) {
            if (layers.get(i).activation() == Activation.SOFTMAX) {
                throw new IllegalArgumentException("layers[" + i + "]: softmax is only allowed on the output layer");
            }
        }
        LayerSpec output = layers.get(layers.size() - 1);
        String where = "layers[" + (layers.size() - 1) + "]";
        switch (loss) {
            case CROSS_ENTROPY -> {
                if (output.activation() != Activation.SOFTMAX || output.units() < 2) {
                    throw new IllegalArgumentException(where + ": cross_entropy needs a softmax output layer of at least 2 units");
                }
            }
            case LOG_LOSS -> {
                if (output.activation() != Activation.LOGISTIC) {
                    throw new IllegalArgumentException(where + ": log_loss needs a logistic output layer");
                }
            }
            case SQUARED_ERROR -> {
                if (output.activation() == Activation.SOFTMAX) {
                    throw new IllegalArgumentException(where + ": squared_error does not take a softmax output; use cross_entropy");
                }
            }
        }
    }

    /** Width of the network's output. */
    public int outputWidth() {
        return layers.get(layers.size() - 1).units();
    }

    /** Number of trainable numbers: sum over layers of (in + 1) x out (out = units x pieces for maxout). */
    public long parameterCount() {
        long count = 0;
        long in = inputWidth;
        for (LayerSpec layer : layers) {
            count += (in + 1) * layer.linearWidth();
            in = layer.units();
        }
        return count;
    }
}
