package dev.chainrule.api;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Model definitions: define, list, show, delete. */
@RestController
@RequestMapping("/models")
class ModelController {
    private final ModelService models;
    private final ChainruleProperties.Limits limits;

    ModelController(ModelService models, ChainruleProperties properties) {
        this.models = models;
        this.limits = properties.limits();
    }

    @PostMapping
    ResponseEntity<ModelResponse> create(@RequestBody CreateModelRequest request) {
        NetworkDefinition definition = definition(request);
        double epsilon = request.lossEpsilon() == null ? LossKind.DEFAULT_EPSILON : request.lossEpsilon();
        Model model = models.create(request.name(), request.description(), definition,
                request.seed() == null ? 0 : request.seed(), epsilon);
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/models/{id}").buildAndExpand(model.id()).toUri();
        return ResponseEntity.created(location).body(ModelResponse.of(model));
    }

    @GetMapping
    PageResponse<ModelResponse> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        Paging.check(page, size);
        return PageResponse.of(models.list(page, size).map(ModelResponse::of));
    }

    @GetMapping("/{id}")
    ModelResponse get(@PathVariable String id) {
        return ModelResponse.of(models.get(id));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        models.delete(id);
        return ResponseEntity.noContent().build();
    }

    /** Checks every field, reporting all problems at once, and builds the engine's definition. */
    private NetworkDefinition definition(CreateModelRequest request) {
        FieldErrors errors = new FieldErrors();
        if (request.inputWidth() == null) {
            errors.add("inputWidth", "is required");
        } else if (request.inputWidth() < 1 || request.inputWidth() > limits.maxLayerWidth()) {
            errors.add("inputWidth", "must be between 1 and " + limits.maxLayerWidth() + " (chainrule.limits.max-layer-width), got " + request.inputWidth());
        }
        List<LayerSpec> layers = new ArrayList<>();
        if (request.layers() == null || request.layers().isEmpty()) {
            errors.add("layers", "needs at least one layer");
        } else if (request.layers().size() > limits.maxLayers()) {
            errors.add("layers", "has " + request.layers().size() + " layers; at most " + limits.maxLayers() + " are allowed (chainrule.limits.max-layers)");
        } else {
            for (int i = 0; i < request.layers().size(); i++) {
                CreateModelRequest.LayerRequest layer = request.layers().get(i);
                String at = "layers[" + i + "]";
                if (layer == null) {
                    errors.add(at, "must be an object with units and activation");
                    continue;
                }
                Integer units = layer.units();
                if (units == null) {
                    errors.add(at + ".units", "is required");
                } else if (units < 1 || units > limits.maxLayerWidth()) {
                    errors.add(at + ".units", "must be between 1 and " + limits.maxLayerWidth() + " (chainrule.limits.max-layer-width), got " + units);
                }
                Activation activation = null;
                if (layer.activation() == null) {
                    errors.add(at + ".activation", "is required (linear, relu, logistic, tanh or softmax)");
                } else {
                    try {
                        activation = Activation.parse(layer.activation());
                    } catch (IllegalArgumentException e) {
                        errors.add(at + ".activation", "unknown activation '" + layer.activation() + "'; use linear, relu, logistic, tanh or softmax");
                    }
                }
                if (units != null && units >= 1 && units <= limits.maxLayerWidth() && activation != null) {
                    layers.add(new LayerSpec(units, activation));
                }
            }
        }
        LossKind loss = null;
        if (request.loss() == null) {
            errors.add("loss", "is required (squared_error, log_loss or cross_entropy)");
        } else {
            try {
                loss = LossKind.parse(request.loss());
            } catch (IllegalArgumentException e) {
                errors.add("loss", "unknown loss '" + request.loss() + "'; use squared_error, log_loss or cross_entropy");
            }
        }
        WeightInitialiser initialiser = WeightInitialiser.XAVIER;
        if (request.initialiser() != null) {
            try {
                initialiser = WeightInitialiser.parse(request.initialiser());
            } catch (IllegalArgumentException e) {
                errors.add("initialiser", "unknown initialiser '" + request.initialiser() + "'; use xavier, he or small_uniform");
            }
        }
        if (request.lossEpsilon() != null && !(request.lossEpsilon() >= 0 && request.lossEpsilon() < 0.1)) {
            errors.add("lossEpsilon", "must be in [0, 0.1), got " + request.lossEpsilon());
        }
        errors.throwIfAny();
        NetworkDefinition definition;
        try {
            definition = new NetworkDefinition(request.inputWidth(), layers, loss, initialiser);
        } catch (IllegalArgumentException e) {
            // the engine's rules on how the output layer fits the loss; its message names layers[i]
            String message = e.getMessage();
            int colon = message.indexOf(": ");
            String field = colon > 0 && message.startsWith("layers[") ? message.substring(0, colon) : "layers";
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError(field,
                    colon > 0 && message.startsWith("layers[") ? message.substring(colon + 2) : message)));
        }
        if (definition.parameterCount() > limits.maxParameters()) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("layers",
                    "the network has " + definition.parameterCount() + " parameters; at most " + limits.maxParameters()
                            + " are allowed (chainrule.limits.max-parameters)")));
        }
        return definition;
    }
}
