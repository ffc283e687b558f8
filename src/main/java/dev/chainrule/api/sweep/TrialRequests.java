package dev.chainrule.api.sweep;

import dev.chainrule.api.model.CreateModelRequest;
import dev.chainrule.api.training.TrainRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A trial's POST /models and POST /train bodies: the sweep's base ones with the trial's values put in. The hidden
 * layers are every layer but the last: hiddenLayers copies the first of them, then units and activation apply to
 * all of them.
 */
final class TrialRequests {
    private TrialRequests() {
    }

    static CreateModelRequest model(CreateModelRequest base, Map<String, Object> parameters, String name,
                                    String description) {
        List<CreateModelRequest.LayerRequest> layers = new ArrayList<>(base.layers());
        CreateModelRequest.LayerRequest output = layers.remove(layers.size() - 1);
        if (parameters.containsKey("hiddenLayers")) {
            CreateModelRequest.LayerRequest first = layers.get(0);
            int count = (Integer) parameters.get("hiddenLayers");
            layers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                layers.add(first);
            }
        }
        List<CreateModelRequest.LayerRequest> trial = new ArrayList<>();
        for (CreateModelRequest.LayerRequest layer : layers) {
            Integer units = parameters.containsKey("units") ? (Integer) parameters.get("units") : layer.units();
            String activation = parameters.containsKey("activation") ? (String) parameters.get("activation") : layer.activation();
            trial.add(new CreateModelRequest.LayerRequest(units, activation, layer.pieces()));
        }
        trial.add(output);
        return new CreateModelRequest(name, description, base.inputWidth(), trial, base.loss(), base.initialiser(),
                base.seed(), base.lossEpsilon());
    }

    static TrainRequest training(TrainRequest base, Map<String, Object> parameters) {
        TrainRequest.OptimizerRequest optimizer = base.optimizer();
        if (parameters.containsKey("optimizer") || parameters.containsKey("learningRate")) {
            TrainRequest.OptimizerRequest o = optimizer == null
                    ? new TrainRequest.OptimizerRequest(null, null, null, null, null, null) : optimizer;
            optimizer = new TrainRequest.OptimizerRequest(
                    parameters.containsKey("optimizer") ? (String) parameters.get("optimizer") : o.type(),
                    parameters.containsKey("learningRate") ? (Double) parameters.get("learningRate") : o.learningRate(),
                    o.momentum(), o.beta1(), o.beta2(), o.epsilon());
        }
        return new TrainRequest(null, null, null, base.datasetId(), base.validationDatasetId(), base.validationSplit(),
                (Integer) parameters.getOrDefault("epochs", base.epochs()),
                (Integer) parameters.getOrDefault("batchSize", base.batchSize()), optimizer,
                (Double) parameters.getOrDefault("l1", base.l1()), (Double) parameters.getOrDefault("l2", base.l2()),
                base.earlyStopping(), base.shuffle(), base.shuffleSeed(), base.initialization(), null,
                base.standardize());
    }
}
