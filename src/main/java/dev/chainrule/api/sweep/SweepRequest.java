package dev.chainrule.api.sweep;

import dev.chainrule.api.model.CreateModelRequest;
import dev.chainrule.api.training.TrainRequest;
import java.util.List;

/**
 * POST /sweeps: a base model and base training settings, the values to search over, how to pick trials, and what
 * makes a trial better.
 *
 * @param name          optional label; each trial's model is named after it
 * @param model         the base model, as POST /models takes it
 * @param training      the base training settings, as POST /train takes them without modelId: a stored dataset
 *                      (datasetId) and validation rows (validationDatasetId or validationSplit) are required
 * @param space         the searched fields, each with its values
 * @param strategy      grid (default) or random
 * @param metric        validation_loss (default), accuracy or r2: of each trial's version on its validation rows
 * @param direction     minimize or maximize (default: minimize for validation_loss, maximize for the others)
 * @param earlyStopping stop the sweep after this many finished trials without a better metric
 */
public record SweepRequest(String name, CreateModelRequest model, TrainRequest training, Space space,
                           Strategy strategy, String metric, String direction, EarlyStopping earlyStopping) {

    /**
     * Values to try; a field left out keeps the base's value. The hidden layers are every layer but the last.
     *
     * @param units        units of every hidden layer
     * @param hiddenLayers how many hidden layers (copies of the base's first hidden layer)
     * @param activation   activation of every hidden layer
     * @param optimizer    optimizer type: sgd, momentum or adam
     * @param learningRate the optimizer's learning rate
     */
    public record Space(List<Integer> units, List<Integer> hiddenLayers, List<String> activation, List<String> optimizer,
                        List<Double> learningRate, List<Integer> batchSize, List<Integer> epochs, List<Double> l1,
                        List<Double> l2) {
    }

    /**
     * @param type   grid (every combination) or random (distinct combinations drawn with the seed)
     * @param trials random only: how many trials
     * @param seed   random only: the draw's seed (default 0)
     */
    public record Strategy(String type, Integer trials, Long seed) {
    }

    /** @param patience finished trials without a better metric before the sweep stops */
    public record EarlyStopping(Integer patience) {
    }
}
