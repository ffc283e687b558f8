package dev.chainrule.engine.model;

import dev.chainrule.engine.Network;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network and the input standardisation it was trained with: what prediction and explanation need.
 *
 * @param network      the trained network
 * @param standardiser null when inputs are fed as they are
 */
public record TrainedModel(Network network, Standardiser standardiser) {

    /** Outputs for raw (unstandardised) inputs, as a new array. */
    public INDArray predict(INDArray rawFeatures) {
        return network.predict(standardise(rawFeatures));
    }

    /** dJ_t/dx_t per row w.r.t. the raw inputs, through the network and the standardisation. */
    public INDArray inputGradient(INDArray rawFeatures, INDArray targets) {
        INDArray gradient = network.inputGradient(standardise(rawFeatures), targets.castTo(network.dataType()));
        return standardiser == null ? gradient : standardiser.backward(gradient);
    }

    /** The inputs as the network sees them. */
    public INDArray standardise(INDArray rawFeatures) {
        INDArray typed = rawFeatures.castTo(network.dataType());
        return standardiser == null ? typed : standardiser.apply(typed);
    }
}
