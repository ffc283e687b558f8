package dev.chainrule.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A network to define ({@code POST /models}). Only {@code inputWidth}, {@code layers} and {@code loss} are
 * required; a null field is left out of the request, so the service applies its default.
 *
 * <pre>{@code
 * ModelDefinition iris = ModelDefinition.builder(4)
 *         .name("iris").layer(16, Activation.RELU).layer(3, Activation.SOFTMAX)
 *         .loss(Loss.CROSS_ENTROPY).seed(42).build();
 * }</pre>
 *
 * @param name        optional label
 * @param description optional free text
 * @param inputWidth  features per row
 * @param layers      fully connected layers in order, the last one being the output
 * @param loss        the objective
 * @param initialiser how the first weights are drawn (service default: xavier)
 * @param seed        seed of the initial weights (service default: 0)
 * @param lossEpsilon stability constant inside the loss's logarithms (service default: 1e-7)
 */
public record ModelDefinition(String name, String description, int inputWidth, List<Layer> layers, Loss loss,
                              Initialiser initialiser, Long seed, Double lossEpsilon) {

    public ModelDefinition {
        layers = List.copyOf(layers);
    }

    /** A builder for a network of {@code inputWidth} inputs. */
    public static Builder builder(int inputWidth) {
        return new Builder(inputWidth);
    }

    /** Builds a {@link ModelDefinition} layer by layer. */
    public static final class Builder {
        private final int inputWidth;
        private final List<Layer> layers = new ArrayList<>();
        private String name;
        private String description;
        private Loss loss;
        private Initialiser initialiser;
        private Long seed;
        private Double lossEpsilon;

        private Builder(int inputWidth) {
            this.inputWidth = inputWidth;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /** Adds the next layer (the last one added is the output). */
        public Builder layer(int units, Activation activation) {
            layers.add(new Layer(units, Objects.requireNonNull(activation, "activation")));
            return this;
        }

        /** Adds a maxout layer: units x pieces values, each unit's largest piece kept (seed 002's max). */
        public Builder maxout(int units, int pieces) {
            layers.add(Layer.maxout(units, pieces));
            return this;
        }

        public Builder loss(Loss loss) {
            this.loss = loss;
            return this;
        }

        public Builder initialiser(Initialiser initialiser) {
            this.initialiser = initialiser;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder lossEpsilon(double lossEpsilon) {
            this.lossEpsilon = lossEpsilon;
            return this;
        }

        public ModelDefinition build() {
            return new ModelDefinition(name, description, inputWidth, layers, loss, initialiser, seed, lossEpsilon);
        }
    }
}
