package dev.chainrule.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A hyperparameter sweep to start ({@code POST /sweeps}): a base model, base training settings on a stored dataset
 * with validation rows, the values to try, a strategy, and the metric to optimise. A null field is left out, so
 * the service applies its default (a grid; validation_loss, minimised).
 *
 * <pre>{@code
 * SweepRequest request = SweepRequest.builder(definition,
 *                 TrainRequest.forSweep().datasetId(iris.id()).validationSplit(0.2).epochs(15).build())
 *         .vary("units", 4, 16).vary("learningRate", 0.003, 0.03).build();
 * }</pre>
 *
 * @param space         each searched field (units, hiddenLayers, activation, optimizer, learningRate, batchSize,
 *                      epochs, l1, l2) and its values
 * @param strategy      {"type": "grid"} or {"type": "random", "trials": n, "seed": s}
 * @param earlyStopping {"patience": n}: stop after n finished trials without a better metric
 */
public record SweepRequest(String name, ModelDefinition model, TrainRequest training, Map<String, List<Object>> space,
                           Map<String, Object> strategy, String metric, String direction,
                           Map<String, Integer> earlyStopping) {

    public static Builder builder(ModelDefinition model, TrainRequest training) {
        return new Builder(model, training);
    }

    /** Builds a {@link SweepRequest}; at least one {@link #vary} is needed. */
    public static final class Builder {
        private final ModelDefinition model;
        private final TrainRequest training;
        private final Map<String, List<Object>> space = new LinkedHashMap<>();
        private String name;
        private Map<String, Object> strategy;
        private String metric;
        private String direction;
        private Map<String, Integer> earlyStopping;

        private Builder(ModelDefinition model, TrainRequest training) {
            this.model = Objects.requireNonNull(model, "model");
            this.training = Objects.requireNonNull(training, "training");
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The values to try for one field, e.g. {@code vary("units", 4, 16)}. */
        public Builder vary(String field, Object... values) {
            space.put(field, new ArrayList<>(Arrays.asList(values)));
            return this;
        }

        /** {@code trials} distinct combinations drawn with {@code seed} instead of every one. */
        public Builder random(int trials, long seed) {
            this.strategy = Map.of("type", "random", "trials", trials, "seed", seed);
            return this;
        }

        /** validation_loss, accuracy or r2. */
        public Builder metric(String metric) {
            this.metric = metric;
            return this;
        }

        /** minimize or maximize. */
        public Builder direction(String direction) {
            this.direction = direction;
            return this;
        }

        /** Stop after {@code patience} finished trials without a better metric. */
        public Builder stopAfter(int patience) {
            this.earlyStopping = Map.of("patience", patience);
            return this;
        }

        public SweepRequest build() {
            return new SweepRequest(name, model, training, new LinkedHashMap<>(space), strategy, metric, direction,
                    earlyStopping);
        }
    }
}
