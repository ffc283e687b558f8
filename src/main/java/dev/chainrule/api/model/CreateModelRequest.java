package dev.chainrule.api.model;

import java.util.List;

/**
 * POST /models: a network to define. Boxed fields so that a missing one is told apart from a zero.
 *
 * @param name        optional label
 * @param description optional free text
 * @param inputWidth  features per row
 * @param layers      fully connected layers in order, the last one being the output
 * @param loss        squared_error, log_loss or cross_entropy
 * @param initialiser xavier (default), he or small_uniform
 * @param seed        seed of the initial weights (default 0)
 * @param lossEpsilon stability constant inside the loss's logarithms (default 1e-7)
 */
public record CreateModelRequest(String name, String description, Integer inputWidth, List<LayerRequest> layers,
                                 String loss, String initialiser, Long seed, Double lossEpsilon) {

    /** One layer: units and the activation after it; pieces per unit for maxout only. */
    public record LayerRequest(Integer units, String activation, Integer pieces) {
    }
}
