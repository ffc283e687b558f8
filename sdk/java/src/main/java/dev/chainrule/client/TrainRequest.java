package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Objects;

/**
 * A training job to start ({@code POST /train}): which model, which data, which hyperparameters. The data is
 * either inline ({@code data}) or an uploaded data set ({@code datasetId}); validation rows likewise, or a
 * {@code validationSplit}. A null field is left out of the request, so the service applies its default.
 *
 * <pre>{@code
 * TrainRequest request = TrainRequest.builder(model.id())
 *         .data(InlineData.ofClasses(features, classIds)).validationSplit(0.2)
 *         .epochs(30).batchSize(16).optimizer(Optimizer.adam(0.01)).build();
 * }</pre>
 */
public record TrainRequest(String modelId, String datasetId, String validationDatasetId, InlineData data,
                           InlineData validation, Double validationSplit, Integer epochs, Integer batchSize,
                           Optimizer optimizer, Double l1, Double l2, EarlyStopping earlyStopping, Boolean shuffle,
                           Long shuffleSeed, Initialization initialization, Object fromVersion, Boolean standardize) {

    /** Where the weights start: the model's seeded ones, or a trained version's. */
    public enum Initialization {
        FRESH("fresh"), CONTINUE("continue");

        private final String jsonName;

        Initialization(String jsonName) {
            this.jsonName = jsonName;
        }

        @JsonValue
        public String jsonName() {
            return jsonName;
        }
    }

    public static Builder builder(String modelId) {
        return new Builder(Objects.requireNonNull(modelId, "modelId"));
    }

    /** The base training settings of a sweep ({@link SweepRequest}): no model, since the sweep creates one per trial. */
    public static Builder forSweep() {
        return new Builder(null);
    }

    /** Builds a {@link TrainRequest}; everything but the model and the data is optional. */
    public static final class Builder {
        private final String modelId;
        private String datasetId;
        private String validationDatasetId;
        private InlineData data;
        private InlineData validation;
        private Double validationSplit;
        private Integer epochs;
        private Integer batchSize;
        private Optimizer optimizer;
        private Double l1;
        private Double l2;
        private EarlyStopping earlyStopping;
        private Boolean shuffle;
        private Long shuffleSeed;
        private Initialization initialization;
        private Object fromVersion;
        private Boolean standardize;

        private Builder(String modelId) {
            this.modelId = modelId;
        }

        /** Train on rows sent in the request. */
        public Builder data(InlineData data) {
            this.data = data;
            return this;
        }

        /** Train on an uploaded data set ({@link ChainruleClient#uploadDataset}). */
        public Builder dataset(String datasetId) {
            this.datasetId = datasetId;
            return this;
        }

        /** Validate on rows sent in the request. */
        public Builder validation(InlineData validation) {
            this.validation = validation;
            return this;
        }

        /** Validate on an uploaded data set. */
        public Builder validationDataset(String validationDatasetId) {
            this.validationDatasetId = validationDatasetId;
            return this;
        }

        /** Hold this fraction of the training rows out for validation, after a seeded shuffle. */
        public Builder validationSplit(double fraction) {
            this.validationSplit = fraction;
            return this;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        public Builder l1(double l1) {
            this.l1 = l1;
            return this;
        }

        public Builder l2(double l2) {
            this.l2 = l2;
            return this;
        }

        public Builder earlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = earlyStopping;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder shuffleSeed(long shuffleSeed) {
            this.shuffleSeed = shuffleSeed;
            return this;
        }

        /** Start from the latest version's weights (and standardisation) instead of the model's seeded ones. */
        public Builder continueFromLatest() {
            this.initialization = Initialization.CONTINUE;
            this.fromVersion = null;
            return this;
        }

        /** Start from this version's weights (and standardisation). */
        public Builder continueFrom(int version) {
            this.initialization = Initialization.CONTINUE;
            this.fromVersion = version;
            return this;
        }

        /** Start from the version an alias points to now ({@code "production"}), or {@code "latest"}. */
        public Builder continueFrom(String alias) {
            this.initialization = Initialization.CONTINUE;
            this.fromVersion = java.util.Objects.requireNonNull(alias, "alias");
            return this;
        }

        public Builder standardize(boolean standardize) {
            this.standardize = standardize;
            return this;
        }

        public TrainRequest build() {
            return new TrainRequest(modelId, datasetId, validationDatasetId, data, validation, validationSplit, epochs,
                    batchSize, optimizer, l1, l2, earlyStopping, shuffle, shuffleSeed, initialization, fromVersion,
                    standardize);
        }
    }
}
