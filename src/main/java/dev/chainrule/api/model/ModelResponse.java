package dev.chainrule.api.model;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A model as GET /models/{id} shows it; defaultAlias (absent: the latest version) is what unnamed predictions use,
 * aliases the versions its aliases point to, by name; sweepId the sweep it is a trial of, if any.
 */
public record ModelResponse(String id, String name, String description, int inputWidth, List<LayerView> layers,
                            String loss, String initialiser, long seed, double lossEpsilon, long parameterCount,
                            Instant createdAt, String trainingState, Integer latestVersion, List<VersionView> versions,
                            String defaultAlias, Map<String, Integer> aliases, String sweepId) {

    /** @param pieces for maxout layers only (absent otherwise) */
    public record LayerView(int units, String activation, Integer pieces) {
    }

    /** One trained version. */
    public record VersionView(int version, Instant createdAt, String jobId, int epochs, double trainingLoss,
                              Double validationLoss, Map<String, Double> metrics, Map<String, Object> provenance) {
        static VersionView of(ModelVersion version) {
            ModelVersion.Summary s = version.summary();
            return new VersionView(version.number(), s.createdAt(), s.jobId(), s.epochs(), s.trainingLoss(),
                    s.validationLoss(), s.metrics(), s.provenance().isEmpty() ? null : s.provenance());
        }
    }

    static ModelResponse of(Model model) {
        List<ModelVersion> versions = model.versions();
        return new ModelResponse(model.id(), model.name(), model.description(), model.definition().inputWidth(),
                model.definition().layers().stream().map(ModelResponse::layer).toList(),
                model.definition().loss().jsonName(), model.definition().initialiser().jsonName(), model.seed(),
                model.lossEpsilon(), model.definition().parameterCount(), model.createdAt(),
                model.trainingState().name(), versions.isEmpty() ? null : versions.get(versions.size() - 1).number(),
                versions.stream().map(VersionView::of).toList(), model.defaultAlias(), model.aliases(), null);
    }

    /** The same model shown as a trial of a sweep (null: of none). */
    ModelResponse withSweepId(String sweep) {
        return new ModelResponse(id, name, description, inputWidth, layers, loss, initialiser, seed, lossEpsilon,
                parameterCount, createdAt, trainingState, latestVersion, versions, defaultAlias, aliases, sweep);
    }

    private static LayerView layer(LayerSpec spec) {
        return new LayerView(spec.units(), spec.activation().jsonName(),
                spec.activation() == dev.chainrule.engine.layer.Activation.MAXOUT ? spec.pieces() : null);
    }
}
