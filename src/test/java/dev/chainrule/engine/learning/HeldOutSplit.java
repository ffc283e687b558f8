package dev.chainrule.engine.learning;

import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.training.Dataset;

/**
 * A dataset cut into a training part and a held-out test part, the inputs of both standardised with the
 * column means and deviations of the training part alone, so nothing about the test rows leaks into training.
 *
 * @param train        standardised training rows
 * @param test         the held-out rows, standardised with the training statistics
 * @param rawTest      the held-out rows as read, for predictions through {@link dev.chainrule.engine.model.TrainedModel}
 * @param standardiser fitted on the training features
 */
record HeldOutSplit(Dataset train, Dataset test, Dataset rawTest, Standardiser standardiser) {

    static HeldOutSplit of(Dataset all, DatasetSplit split) {
        Dataset rawTrain = split.train(all);
        Dataset rawTest = split.test(all);
        Standardiser standardiser = Standardiser.fit(rawTrain.features());
        return new HeldOutSplit(new Dataset(standardiser.apply(rawTrain.features()), rawTrain.targets()),
                new Dataset(standardiser.apply(rawTest.features()), rawTest.targets()), rawTest, standardiser);
    }
}
