package dev.chainrule.engine;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One module of a feed-forward network, with the contract of seed 001 ("Modules"): a forward pass, and a
 * backward pass that turns the gradient of the objective w.r.t. this layer's output into the gradient w.r.t.
 * its input, keeping the gradients of its own parameters for the optimiser to use.
 *
 * <p>Rows are observations: an input is T x D, as in the lectures' x in R^(1 x D), stacked. A layer keeps
 * references to what backward needs and reuses its output buffers between calls, so a layer instance is for
 * one thread at a time, and an array it returns is valid until its next call.
 */
public interface Layer {

    /** Computes this layer's output for a batch of inputs (T x inputWidth). */
    INDArray forward(INDArray input);

    /**
     * Back-propagates delta = dJ/d(output) (T x outputWidth) through this layer, storing parameter gradients.
     *
     * @param needInputGradient false lets the first layer skip dJ/d(input), which nobody reads in training
     * @return dJ/d(input) (T x inputWidth), or null when {@code needInputGradient} is false
     */
    INDArray backward(INDArray outputGradient, boolean needInputGradient);

    /** Back-propagates and returns the gradient w.r.t. the input. */
    default INDArray backward(INDArray outputGradient) {
        return backward(outputGradient, true);
    }

    /** This layer's trainable parameters, in a fixed order; empty for activations. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** Width of the output for a given input width. */
    long outputWidth(long inputWidth);
}
