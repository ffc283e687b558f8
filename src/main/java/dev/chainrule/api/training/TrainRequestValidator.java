package dev.chainrule.api.training;

import dev.chainrule.api.model.VersionParameter;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.api.rows.FeatureRows;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.DatasetSummary;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EarlyStopping;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.training.RowSource;
import dev.chainrule.training.TrainingJobSpec;
import dev.chainrule.training.Validation;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Turns a POST /train body into a job that can run, or refuses it with every problem named by its JSON path:
 * rows of the wrong width, non-finite numbers, labels out of range, hyperparameters out of bounds.
 */
@Component
public class TrainRequestValidator {
    static final int DEFAULT_EPOCHS = 10;
    static final int DEFAULT_BATCH_SIZE = 32;

    private final ModelService models;
    private final DatasetService datasets;
    private final ChainruleProperties.Limits limits;

    TrainRequestValidator(ModelService models, DatasetService datasets, ChainruleProperties properties) {
        this.models = models;
        this.datasets = datasets;
        this.limits = properties.limits();
    }

    TrainingJobSpec toSpec(TrainRequest request) {
        FieldErrors errors = new FieldErrors();
        if (request.modelId() == null || request.modelId().isBlank()) {
            errors.add("modelId", "is required");
            errors.throwIfAny();
        }
        return toSpec(request, models.get(request.modelId())); // 404 when unknown
    }

    /** The job {@code request} asks for on {@code model} (a sweep checks its trials against models not created yet). */
    public TrainingJobSpec toSpec(TrainRequest request, Model model) {
        FieldErrors errors = new FieldErrors();
        NetworkDefinition definition = model.definition();

        // a stored dataset is checked against the model by its summary: its rows are read when the job runs
        Rows dataRows = rows(request.data(), "data", request.datasetId(), "datasetId", definition, errors, true);
        boolean validationGiven = request.validation() != null || request.validationDatasetId() != null;
        Rows givenValidation = rows(request.validation(), "validation", request.validationDatasetId(), "validationDatasetId",
                definition, errors, false);
        Double split = request.validationSplit();
        if (split != null) {
            if (!(split > 0 && split < 1)) {
                errors.add("validationSplit", "must be between 0 and 1 (exclusive), got " + split);
            } else if (validationGiven) {
                errors.add("validationSplit", "give either validation rows (validation or validationDatasetId) or validationSplit, not both");
            }
        }

        int epochs = request.epochs() == null ? DEFAULT_EPOCHS : request.epochs();
        if (epochs < 1 || epochs > limits.maxEpochs()) {
            errors.add("epochs", "must be between 1 and " + limits.maxEpochs() + " (chainrule.limits.max-epochs), got " + epochs);
        }
        int batchSize = request.batchSize() == null ? DEFAULT_BATCH_SIZE : request.batchSize();
        if (batchSize < 1) {
            errors.add("batchSize", "must be at least 1, got " + batchSize);
        }
        OptimiserSettings optimiser = optimiser(request.optimizer(), errors);
        double l1 = nonNegative(request.l1(), "l1", errors);
        double l2 = nonNegative(request.l2(), "l2", errors);
        EarlyStopping stopping = earlyStopping(request.earlyStopping(), errors);
        if (stopping != null && !validationGiven && split == null) {
            errors.add("earlyStopping", "watches the validation loss: give validation rows, a validationDatasetId or a validationSplit");
        }

        dev.chainrule.model.VersionRef fromVersion = null;
        String initialization = request.initialization() == null ? "fresh" : request.initialization().toLowerCase(Locale.ROOT);
        switch (initialization) {
            case "fresh" -> {
                if (request.fromVersion() != null) {
                    errors.add("fromVersion", "only applies with initialization \"continue\"");
                }
            }
            case "continue" -> {
                try {
                    fromVersion = request.fromVersion() == null ? dev.chainrule.model.VersionRef.LATEST
                            : VersionParameter.fromJson(request.fromVersion(), "fromVersion");
                } catch (InvalidRequestException e) {
                    e.errors().forEach(error -> errors.add(error.field(), error.reason()));
                }
            }
            default -> errors.add("initialization", "must be \"fresh\" or \"continue\", got \"" + request.initialization() + "\"");
        }
        errors.throwIfAny();
        Integer fromNumber = null;
        if (fromVersion != null) {
            // 409 when the model has no version yet, 404 naming fromVersion when the named one does not exist
            fromNumber = VersionParameter.resolve(models, model.id(), fromVersion, "fromVersion").number();
        }

        long shuffleSeed = request.shuffleSeed() == null ? model.seed() : request.shuffleSeed();
        int trainingRows = dataRows.rows();
        Validation validation = givenValidation.source() == null ? Validation.NONE
                : new Validation.OwnRows(givenValidation.source());
        if (split != null) {
            int validationRows = validationRows(dataRows.rows(), split);
            if (validationRows == 0 || validationRows == dataRows.rows()) {
                throw new InvalidRequestException(java.util.List.of(new InvalidRequestException.FieldError("validationSplit",
                        "leaves " + (dataRows.rows() - validationRows) + " training and " + validationRows
                                + " validation rows; both need at least one")));
            }
            trainingRows = dataRows.rows() - validationRows;
            // inline rows or a dataset's alike: the job makes the split as it reads the rows
            validation = new Validation.Split(split, shuffleSeed);
        }
        TrainingConfig config = new TrainingConfig(epochs, batchSize, optimiser, l1, l2,
                request.shuffle() == null || request.shuffle(), shuffleSeed, stopping);
        boolean standardise = request.standardize() == null || request.standardize();
        return new TrainingJobSpec(model.id(), dataRows.source(), validation, trainingRows, config, fromNumber, standardise);
    }

    /**
     * Rows of a request: given inline (already checked and packed), or an uploaded dataset checked against the
     * model by its summary; neither when none were given or they were invalid.
     */
    private record Rows(RowSource source, int rows) {
        static final Rows NONE = new Rows(null, 0);

        static Rows inline(Dataset rows) {
            return rows == null ? NONE : new Rows(new RowSource.RequestRows(rows), rows.size());
        }

        static Rows stored(StoredDataset dataset) {
            return new Rows(new RowSource.UploadedDataset(dataset.id()), (int) dataset.summary().rows());
        }
    }

    /** Rows given inline or by dataset id (one of them, or neither when not required). */
    private Rows rows(TrainRequest.InlineData inline, String inlineField, String datasetId, String idField,
                      NetworkDefinition definition, FieldErrors errors, boolean required) {
        if (datasetId == null) {
            if (inline == null) {
                if (required) {
                    errors.add(inlineField, "is required: {\"features\": [[...], ...], \"targets\": [...]}, or give " + idField);
                }
                return Rows.NONE;
            }
            return Rows.inline(dataset(inline, inlineField, definition, errors, required));
        }
        if (inline != null) {
            errors.add(idField, "give either " + inlineField + " (rows in the request) or " + idField + ", not both");
            return Rows.NONE;
        }
        StoredDataset dataset;
        try {
            dataset = datasets.get(datasetId);
        } catch (DatasetNotFoundException e) {
            errors.add(idField, "no dataset with id '" + datasetId + "' (GET /datasets lists them)");
            return Rows.NONE;
        }
        DatasetSummary summary = dataset.summary();
        if (summary.featureColumns().size() != definition.inputWidth()) {
            errors.add(idField, "dataset '" + dataset.name() + "' has " + summary.featureColumns().size()
                    + " feature columns but the model's inputWidth is " + definition.inputWidth());
            return Rows.NONE;
        }
        TargetEncoding encoding = new TargetEncoding(definition.loss(), definition.outputWidth());
        String shape = encoding.checkColumnCount(summary.targetColumns().size());
        if (shape != null) {
            errors.add(idField, "dataset '" + dataset.name() + "' " + shape + " " + summary.targetColumns());
            return Rows.NONE;
        }
        boolean[] fits = {true};
        encoding.check(summary, new DatasetFile.Problems() {
            @Override
            public void add(String where, String reason) {
                errors.add(idField, "dataset '" + dataset.name() + "', " + (where == null ? "" : where + ": ") + reason);
                fits[0] = false;
            }

            @Override
            public boolean isFull() {
                return errors.isFull();
            }
        });
        return fits[0] ? Rows.stored(dataset) : Rows.NONE;
    }

    private Dataset dataset(TrainRequest.InlineData inline, String field, NetworkDefinition definition, FieldErrors errors,
                            boolean required) {
        if (inline == null) {
            if (required) {
                errors.add(field, "is required: {\"features\": [[...], ...], \"targets\": [...]}");
            }
            return null;
        }
        INDArray features = FeatureRows.toMatrix(inline.features(), definition.inputWidth(), field + ".features",
                limits.maxInlineRows(), "chainrule.limits.max-inline-rows", errors);
        if (features == null) {
            return null;
        }
        INDArray targets = targets(inline.targets(), (int) features.rows(), field + ".targets", definition, errors);
        if (targets == null || !errors.isEmpty()) {
            return null;
        }
        return new Dataset(features, targets);
    }

    /** Targets as the network's output shape T x K; see {@link TrainRequest.InlineData#targets()}. */
    public static INDArray targets(JsonNode node, int rows, String field, NetworkDefinition definition, FieldErrors errors) {
        if (node == null || node.isNull()) {
            errors.add(field, "is required: one target per row");
            return null;
        }
        if (!node.isArray() || node.size() != rows) {
            errors.add(field, "must be an array with one target per row (" + rows + "), got "
                    + (node.isArray() ? node.size() + " entries" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
            return null;
        }
        TargetEncoding encoding = new TargetEncoding(definition.loss(), definition.outputWidth());
        int k = encoding.outputWidth();
        float[] y = new float[Math.multiplyExact(rows, k)];
        for (int r = 0; r < rows && !errors.isFull(); r++) {
            JsonNode t = node.get(r);
            String at = field + "[" + r + "]";
            if (t.isNumber() && encoding.takesOneValue()) {
                String problem = encoding.encodeOne(t.asDouble(), t.toString(), y, r);
                if (problem != null) {
                    errors.add(at, problem);
                }
            } else if (t.isArray()) {
                if (t.size() != k) {
                    errors.add(at, "must have " + k + " values (the output layer's units), got " + t.size());
                    continue;
                }
                double sum = 0;
                boolean valid = true;
                for (int j = 0; j < k; j++) {
                    JsonNode v = t.get(j);
                    if (!v.isNumber()) {
                        errors.add(at + "[" + j + "]", "must be a number, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
                        valid = false;
                        continue;
                    }
                    String problem = encoding.checkValue(v.asDouble());
                    if (problem != null) {
                        errors.add(at + "[" + j + "]", problem);
                        valid = false;
                    } else {
                        y[r * k + j] = (float) v.asDouble();
                        sum += v.asDouble();
                    }
                }
                String rowProblem = valid ? encoding.checkRowSum(sum) : null;
                if (rowProblem != null) {
                    errors.add(at, rowProblem);
                }
            } else {
                errors.add(at, k == 1 ? "must be a number" : encoding.classIds()
                        ? "must be a class id or an array of " + k + " probabilities"
                        : "must be an array of " + k + " numbers");
            }
        }
        return errors.isEmpty() ? Nd4j.create(y, new long[] {rows, k}, 'c') : null;
    }

    private static OptimiserSettings optimiser(TrainRequest.OptimizerRequest request, FieldErrors errors) {
        if (request == null) {
            return OptimiserSettings.adam(0.001);
        }
        OptimiserSettings.Kind kind = OptimiserSettings.Kind.ADAM;
        if (request.type() != null) {
            try {
                kind = OptimiserSettings.Kind.parse(request.type());
            } catch (IllegalArgumentException e) {
                errors.add("optimizer.type", "unknown optimizer '" + request.type() + "'; use sgd, momentum or adam");
            }
        }
        double learningRate = request.learningRate() != null ? request.learningRate() : kind == OptimiserSettings.Kind.ADAM ? 0.001 : 0.01;
        if (!(learningRate > 0 && learningRate <= 10)) {
            errors.add("optimizer.learningRate", "must be in (0, 10], got " + learningRate);
        }
        double momentum = request.momentum() != null ? request.momentum() : 0.9;
        if (!(momentum >= 0 && momentum < 1)) {
            errors.add("optimizer.momentum", "must be in [0, 1), got " + momentum);
        }
        double beta1 = request.beta1() != null ? request.beta1() : 0.9;
        if (!(beta1 >= 0 && beta1 < 1)) {
            errors.add("optimizer.beta1", "must be in [0, 1), got " + beta1);
        }
        double beta2 = request.beta2() != null ? request.beta2() : 0.999;
        if (!(beta2 >= 0 && beta2 < 1)) {
            errors.add("optimizer.beta2", "must be in [0, 1), got " + beta2);
        }
        double epsilon = request.epsilon() != null ? request.epsilon() : 1e-8;
        if (!(epsilon > 0 && epsilon < 1)) {
            errors.add("optimizer.epsilon", "must be in (0, 1), got " + epsilon);
        }
        return new OptimiserSettings(kind, learningRate, momentum, beta1, beta2, epsilon);
    }

    private static double nonNegative(Double value, String field, FieldErrors errors) {
        if (value == null) {
            return 0;
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            errors.add(field, "must be a finite number >= 0, got " + value);
            return 0;
        }
        return value;
    }

    private static EarlyStopping earlyStopping(TrainRequest.EarlyStoppingRequest request, FieldErrors errors) {
        if (request == null) {
            return null;
        }
        int patience = request.patience() == null ? 5 : request.patience();
        double minDelta = request.minDelta() == null ? 0 : request.minDelta();
        boolean ok = true;
        if (patience < 1) {
            errors.add("earlyStopping.patience", "must be at least 1, got " + patience);
            ok = false;
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            errors.add("earlyStopping.minDelta", "must be a finite number >= 0, got " + minDelta);
            ok = false;
        }
        return ok ? new EarlyStopping(patience, minDelta, request.restoreBest() == null || request.restoreBest()) : null;
    }

    static int validationRows(int rows, double validationFraction) {
        return (int) Math.round(rows * validationFraction);
    }
}
