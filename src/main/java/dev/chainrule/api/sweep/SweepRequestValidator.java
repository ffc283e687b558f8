package dev.chainrule.api.sweep;

import dev.chainrule.api.model.CreateModelRequest;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.api.model.ModelController;
import dev.chainrule.api.training.TrainRequest;
import dev.chainrule.api.training.TrainRequestValidator;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.model.Model;
import dev.chainrule.sweep.SearchSpace;
import dev.chainrule.sweep.SweepMetric;
import dev.chainrule.sweep.SweepPlan;
import dev.chainrule.sweep.TrialPlan;
import dev.chainrule.training.TrainingJobSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Turns a POST /sweeps body into a plan with every trial generated and each trial's model and job checked as POST
 * /models and POST /train check theirs, or refuses it with every problem named by its JSON path. Nothing is stored
 * here.
 */
@Component
class SweepRequestValidator {
    private final TrainRequestValidator jobs;
    private final ChainruleProperties.Limits limits;
    private final ChainruleProperties.Sweeps settings;

    SweepRequestValidator(TrainRequestValidator jobs, ChainruleProperties properties) {
        this.jobs = jobs;
        this.limits = properties.limits();
        this.settings = properties.sweeps();
    }

    SweepPlan toPlan(SweepRequest request) {
        FieldErrors errors = new FieldErrors();
        if (request.name() != null && request.name().length() > 200) {
            errors.add("name", "must be at most 200 characters, got " + request.name().length());
        }
        NetworkDefinition base = null;
        if (request.model() == null) {
            errors.add("model", "is required: the base model, as POST /models takes it");
        } else {
            base = prefixed("model.", errors, () -> ModelController.definition(request.model(), limits));
        }
        if (checkTraining(request.training(), errors) && base != null) {
            // the base settings' own problems once, by their fields, rather than once per trial
            NetworkDefinition definition = base;
            prefixed("training.", errors, () -> jobs.toSpec(request.training(), unsaved(request.model(), definition, 0)));
        }
        Map<String, List<Object>> fields = space(request.space(), request.model(), errors);
        SweepMetric metric = SweepMetric.VALIDATION_LOSS;
        if (request.metric() != null) {
            try {
                metric = SweepMetric.parse(request.metric());
            } catch (IllegalArgumentException e) {
                errors.add("metric", "unknown metric '" + request.metric() + "'; use validation_loss, accuracy or r2");
            }
        }
        if (base != null && metric == SweepMetric.ACCURACY && base.loss() == LossKind.SQUARED_ERROR) {
            errors.add("metric", "accuracy applies to classifiers (cross_entropy or log_loss); use validation_loss or r2");
        } else if (base != null && metric == SweepMetric.R2 && base.loss() != LossKind.SQUARED_ERROR) {
            errors.add("metric", "r2 applies to regression (squared_error); use validation_loss or accuracy");
        }
        String direction = request.direction() == null ? metric.defaultDirection() : request.direction().toLowerCase(Locale.ROOT);
        if (!direction.equals("minimize") && !direction.equals("maximize")) {
            errors.add("direction", "must be minimize or maximize, got '" + request.direction() + "'");
        }
        Integer patience = null;
        if (request.earlyStopping() != null) {
            patience = request.earlyStopping().patience();
            if (patience == null || patience < 1) {
                errors.add("earlyStopping.patience", "must be at least 1 (finished trials without a better metric), got " + patience);
            }
        }
        List<Map<String, Object>> trials = fields == null ? null : trials(new SearchSpace(fields), request.strategy(), errors);
        errors.throwIfAny();

        List<TrialPlan> plans = new ArrayList<>(trials.size());
        for (int i = 0; i < trials.size() && !errors.isFull(); i++) {
            TrialPlan plan = trial(request, trials.get(i), i + 1, errors);
            if (plan != null) {
                plans.add(plan);
            }
        }
        errors.throwIfAny();
        return new SweepPlan(request.name(), metric, direction, patience, search(request, fields), plans);
    }

    /** What POST /train would refuse is checked per trial; these are the rules of a sweep's training. */
    private static boolean checkTraining(TrainRequest training, FieldErrors errors) {
        if (training == null) {
            errors.add("training", "is required: the base training settings, as POST /train takes them (with datasetId)");
            return false;
        }
        boolean fine = true;
        if (training.modelId() != null) {
            errors.add("training.modelId", "must be absent: the sweep creates each trial's model from \"model\"");
            fine = false;
        }
        if (training.data() != null || training.validation() != null) {
            errors.add(training.data() != null ? "training.data" : "training.validation",
                    "a sweep trains on stored datasets: upload the rows with POST /datasets and give datasetId");
            fine = false;
        }
        if (training.datasetId() == null) {
            errors.add("training.datasetId", "is required: the stored dataset every trial trains on");
            fine = false;
        }
        if (training.validationDatasetId() == null && training.validationSplit() == null) {
            errors.add("training.validationSplit", "a sweep compares trials on validation rows: give validationSplit "
                    + "or validationDatasetId");
            fine = false;
        }
        if (training.initialization() != null && !training.initialization().equalsIgnoreCase("fresh")) {
            errors.add("training.initialization", "must be \"fresh\": each trial trains a new model");
            fine = false;
        }
        return fine;
    }

    /** The searched fields and their values, in a fixed order; null when none is valid. */
    private static Map<String, List<Object>> space(SweepRequest.Space space, CreateModelRequest model, FieldErrors errors) {
        if (space == null) {
            errors.add("space", "is required: at least one field with the values to try, e.g. {\"units\": [8, 16]}");
            return null;
        }
        Map<String, List<?>> given = new LinkedHashMap<>();
        given.put("hiddenLayers", space.hiddenLayers());
        given.put("units", space.units());
        given.put("activation", space.activation());
        given.put("optimizer", space.optimizer());
        given.put("learningRate", space.learningRate());
        given.put("batchSize", space.batchSize());
        given.put("epochs", space.epochs());
        given.put("l1", space.l1());
        given.put("l2", space.l2());
        Map<String, List<Object>> fields = new LinkedHashMap<>();
        boolean hidden = model != null && model.layers() != null && model.layers().size() >= 2;
        given.forEach((name, values) -> {
            if (values == null) {
                return;
            }
            if (values.isEmpty()) {
                errors.add("space." + name, "needs at least one value (leave the field out to keep the base's)");
            } else if (values.contains(null)) {
                errors.add("space." + name, "must not hold null");
            } else if (new HashSet<>(values).size() != values.size()) {
                errors.add("space." + name, "holds a value twice: every value is tried once");
            } else if (name.equals("hiddenLayers") && values.stream().anyMatch(v -> (Integer) v < 0)) {
                errors.add("space.hiddenLayers", "must hold counts of 0 or more, got " + values);
            } else if (List.of("hiddenLayers", "units", "activation").contains(name) && model != null && !hidden) {
                errors.add("space." + name, "varies the hidden layers, but the base model has none (its only layer is the output)");
            } else {
                fields.put(name, new ArrayList<>(values));
            }
        });
        if (fields.isEmpty() && given.values().stream().allMatch(v -> v == null)) {
            errors.add("space", "needs at least one field with the values to try, e.g. {\"units\": [8, 16]}");
        }
        return fields.isEmpty() ? null : fields;
    }

    private List<Map<String, Object>> trials(SearchSpace space, SweepRequest.Strategy strategy, FieldErrors errors) {
        String type = strategy == null || strategy.type() == null ? "grid" : strategy.type().toLowerCase(Locale.ROOT);
        int max = settings.maxTrials();
        switch (type) {
            case "grid" -> {
                if (strategy != null && (strategy.trials() != null || strategy.seed() != null)) {
                    errors.add("strategy", "trials and seed are for the random strategy; a grid tries every combination");
                    return null;
                }
                if (space.size() > max) {
                    errors.add("space", "makes a grid of " + (space.size() == Long.MAX_VALUE ? "too many" : space.size())
                            + " trials; at most " + max + " are allowed (chainrule.sweeps.max-trials): "
                            + "fewer values, or the random strategy with a budget of trials");
                    return null;
                }
                return space.grid();
            }
            case "random" -> {
                Integer trials = strategy.trials();
                if (trials == null || trials < 1 || trials > max) {
                    errors.add("strategy.trials", "must be between 1 and " + max + " (chainrule.sweeps.max-trials), got " + trials);
                    return null;
                }
                if (trials > space.size()) {
                    errors.add("strategy.trials", "asks for " + trials + " distinct trials but the space has only "
                            + space.size() + " combinations");
                    return null;
                }
                return space.random(trials, strategy.seed() == null ? 0 : strategy.seed());
            }
            default -> {
                errors.add("strategy.type", "must be grid or random, got '" + strategy.type() + "'");
                return null;
            }
        }
    }

    /** One trial's model and job, checked; null (and errors naming the trial) when either is refused. */
    private TrialPlan trial(SweepRequest request, Map<String, Object> parameters, int number, FieldErrors errors) {
        String at = "trial " + number + " " + parameters;
        CreateModelRequest modelRequest = TrialRequests.model(request.model(), parameters, name(request.name(), number),
                "trial " + number + " of a sweep: " + parameters);
        NetworkDefinition definition = prefixed("space", at + ": model.", errors,
                () -> ModelController.definition(modelRequest, limits));
        if (definition == null) {
            return null;
        }
        long seed = modelRequest.seed() == null ? 0 : modelRequest.seed();
        double epsilon = modelRequest.lossEpsilon() == null ? LossKind.DEFAULT_EPSILON : modelRequest.lossEpsilon();
        TrainRequest training = TrialRequests.training(request.training(), parameters);
        TrainingJobSpec spec = prefixed("space", at + ": training.", errors,
                () -> jobs.toSpec(training, unsaved(modelRequest, definition, number)));
        if (spec == null) {
            return null;
        }
        return new TrialPlan(parameters, new TrialPlan.ModelPlan(modelRequest.name(), modelRequest.description(),
                definition, seed, epsilon), TrialPlan.JobPlan.of(spec));
    }

    /** A model as a job is checked against, not stored. */
    private static Model unsaved(CreateModelRequest request, NetworkDefinition definition, int number) {
        return new Model("(trial " + number + ")", request.name(), request.description(), definition,
                request.seed() == null ? 0 : request.seed(),
                request.lossEpsilon() == null ? LossKind.DEFAULT_EPSILON : request.lossEpsilon(), Instant.EPOCH, List.of(),
                0, null, new TreeMap<>());
    }

    private static String name(String sweepName, int number) {
        String base = sweepName == null || sweepName.isBlank() ? "sweep" : sweepName;
        String suffix = " trial " + number;
        return (base.length() + suffix.length() > 200 ? base.substring(0, 200 - suffix.length()) : base) + suffix;
    }

    /** What GET /sweeps/{id} shows of the search: the strategy and the space as given. */
    private static Map<String, Object> search(SweepRequest request, Map<String, List<Object>> fields) {
        Map<String, Object> search = new LinkedHashMap<>();
        SweepRequest.Strategy strategy = request.strategy();
        String type = strategy == null || strategy.type() == null ? "grid" : strategy.type().toLowerCase(Locale.ROOT);
        search.put("strategy", type.equals("random")
                ? Map.of("type", type, "trials", strategy.trials(), "seed", strategy.seed() == null ? 0L : strategy.seed())
                : Map.of("type", type));
        search.put("space", fields);
        return search;
    }

    private static <T> T prefixed(String prefix, FieldErrors errors, java.util.function.Supplier<T> check) {
        return prefixed(null, prefix, errors, check);
    }

    /**
     * Runs a check of POST /models or /train, its errors added under {@code prefix} (a trial's, reported on
     * {@code field} with the field's path in the reason).
     */
    private static <T> T prefixed(String field, String prefix, FieldErrors errors, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (InvalidRequestException e) {
            for (InvalidRequestException.FieldError error : e.errors()) {
                if (field == null) {
                    errors.add(prefix + error.field(), error.reason());
                } else {
                    errors.add(field, prefix + error.field() + " " + error.reason());
                }
            }
            return null;
        }
    }

}
