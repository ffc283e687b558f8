package dev.chainrule.engine.model;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A network definition as JSON: {"inputWidth", "layers": [{"units", "activation"}], "loss", "initialiser"}, the
 * names as the HTTP API spells them; a maxout layer also has "pieces" (absent elsewhere, read as 1). The model file's header and the model store both use it.
 */
public final class DefinitionJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DefinitionJson() {
    }

    public static ObjectNode toJson(NetworkDefinition definition) {
        ObjectNode def = JSON.createObjectNode();
        def.put("inputWidth", definition.inputWidth());
        ArrayNode layers = def.putArray("layers");
        for (LayerSpec layer : definition.layers()) {
            ObjectNode entry = layers.addObject().put("units", layer.units()).put("activation", layer.activation().jsonName());
            if (layer.activation() == Activation.MAXOUT) {
                entry.put("pieces", layer.pieces());
            }
        }
        def.put("loss", definition.loss().jsonName());
        def.put("initialiser", definition.initialiser().jsonName());
        return def;
    }

    public static String toText(NetworkDefinition definition) {
        return JSON.writeValueAsString(toJson(definition));
    }

    /** @throws IllegalArgumentException when the JSON is not a valid definition, saying why */
    public static NetworkDefinition fromJson(JsonNode def) {
        try {
            List<LayerSpec> layers = new ArrayList<>();
            for (JsonNode layer : def.required("layers")) {
                Activation activation = Activation.parse(layer.required("activation").asString());
                int pieces = layer.has("pieces") ? layer.get("pieces").asInt() : 1;
                layers.add(new LayerSpec(layer.required("units").asInt(), activation, pieces));
            }
            return new NetworkDefinition(def.required("inputWidth").asInt(), layers,
                    LossKind.parse(def.required("loss").asString()),
                    WeightInitialiser.parse(def.required("initialiser").asString()));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    public static NetworkDefinition fromText(String text) {
        try {
            return fromJson(JSON.readTree(text));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a definition: " + e.getOriginalMessage(), e);
        }
    }
}
