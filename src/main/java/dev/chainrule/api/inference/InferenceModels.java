package dev.chainrule.api.inference;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.model.Task;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelNotFoundException;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.model.VersionNotFoundException;
import dev.chainrule.prediction.PredictionService;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * What a protocol path's {@code {name}} and {@code {version}} refer to. The name is a model's id, or else the name of
 * exactly one model (a name several models share is refused, listing their ids); the version is a version number
 * (1, 2, ...), the latest when the path has none.
 */
@Component
class InferenceModels {
    static final String OUTPUT = "output";
    static final String CLASS_INDEX = "class_index";
    /** How many of the models sharing a name an error lists. */
    private static final int LISTED = 5;

    private final ModelService models;
    private final PredictionService predictions;

    InferenceModels(ModelService models, PredictionService predictions) {
        this.models = models;
        this.predictions = predictions;
    }

    /** The model the name refers to. */
    Model model(String name) {
        try {
            return models.get(name);
        } catch (ModelNotFoundException e) {
            return models.get(idNamed(name));
        }
    }

    /**
     * The version to infer with: the one the path names (a number, an alias, or "latest"), else the model's default
     * (its default alias, or the latest); the version lookups are cached for an id.
     */
    ModelVersion version(String name, String version) {
        Integer number = isNumber(version) ? number(name, version) : null;
        dev.chainrule.model.VersionRef ref;
        if (version == null) {
            ref = dev.chainrule.model.VersionRef.DEFAULT;
        } else if (number != null) {
            ref = dev.chainrule.model.VersionRef.number(number);
        } else {
            try {
                ref = dev.chainrule.model.VersionRef.parse(version);
            } catch (IllegalArgumentException e) {
                throw InferenceException.notFound("model '" + name + "' has no version '" + version + "': " + e.getMessage());
            }
        }
        try {
            try {
                return predictions.resolve(name, ref);
            } catch (ModelNotFoundException e) {
                return predictions.resolve(idNamed(name), ref);
            }
        } catch (dev.chainrule.model.AliasNotFoundException e) {
            throw InferenceException.notFound("model '" + name + "' has no version '" + version
                    + "': not a version number, and no alias of that name");
        } catch (VersionNotFoundException e) {
            if (number != null && e.untrained()) {
                // a version the path names that does not exist is missing (404), even on a model not trained yet
                throw InferenceException.notFound("model '" + name + "' has no version " + number + " (it has none yet: train it first)");
            }
            throw e;
        }
    }

    /** Checks that the named version (a number, or an alias: it must exist) exists; none named is the default. */
    void requireVersion(Model model, String name, String version) {
        if (version != null && !isNumber(version)) {
            if (!"latest".equals(version) && !model.aliases().containsKey(version)) {
                throw InferenceException.notFound("model '" + name + "' has no version '" + version
                        + "': not a version number, and no alias of that name");
            }
            return;
        }
        Integer number = number(name, version);
        if (number != null && model.version(number).isEmpty()) {
            throw InferenceException.notFound("model '" + name + "' has no version " + number + versionsHint(model));
        }
    }

    private static boolean isNumber(String version) {
        return version != null && !version.isEmpty() && version.chars().allMatch(Character::isDigit);
    }

    private static Integer number(String name, String version) {
        if (version == null) {
            return null;
        }
        if (!version.matches("[1-9][0-9]{0,8}")) {
            throw InferenceException.notFound("model '" + name + "' has no version '" + version + "': versions are numbers 1, 2, ...");
        }
        return Integer.parseInt(version);
    }

    private static String versionsHint(Model model) {
        return model.versions().isEmpty() ? " (it has none yet: train it first)"
                : " (versions are 1.." + model.versions().get(model.versions().size() - 1).number() + ")";
    }

    private String idNamed(String name) {
        List<String> ids = models.idsNamed(name, LISTED + 1);
        if (ids.isEmpty()) {
            throw InferenceException.notFound("no model has the id or the name '" + name + "'");
        }
        if (ids.size() > 1) {
            throw InferenceException.badRequest((ids.size() > LISTED ? "more than " + LISTED : ids.size()) + " models are named '"
                    + name + "': use the id of the one to use (" + String.join(", ", ids.subList(0, Math.min(LISTED, ids.size()))) + ")");
        }
        return ids.get(0);
    }

    /** The output tensors a model's versions produce, in their default order. */
    static List<String> outputNames(NetworkDefinition definition) {
        return isClassifier(definition) ? List.of(OUTPUT, CLASS_INDEX) : List.of(OUTPUT);
    }

    /** A softmax output, or one logistic unit: each row has a class (Task#classIndex), as in /predict. */
    static boolean isClassifier(NetworkDefinition definition) {
        return Task.of(definition).hasClassIndex(definition.outputWidth());
    }
}
