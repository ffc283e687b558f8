package dev.chainrule.client;

import java.util.List;

/**
 * A model's aliases ({@code GET /models/{id}/aliases}).
 *
 * @param modelId      the model
 * @param defaultAlias the alias unnamed predictions use; null when they use the latest version
 * @param aliases      by name
 */
public record AliasList(String modelId, String defaultAlias, List<Alias> aliases) {
}
