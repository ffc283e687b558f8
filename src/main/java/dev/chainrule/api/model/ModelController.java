package dev.chainrule.api.model;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.paging.PageResponse;
import dev.chainrule.api.paging.Paging;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.ModelFile;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelService;
import dev.chainrule.sweep.SweepService;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Model definitions: define, list, show, delete; versions exported and imported as model files. */
@RestController
@RequestMapping("/models")
public class ModelController {
    /** The columns' widths (db/migration). */
    static final int MAX_NAME_LENGTH = 200;
    static final int MAX_DESCRIPTION_LENGTH = 2000;
    private static final String ACTIVATIONS = "linear, relu, logistic, tanh, softmax or maxout";
    private final ModelService models;
    private final ChainruleProperties.Limits limits;
    private final SweepService sweeps;

    ModelController(ModelService models, ChainruleProperties properties, SweepService sweeps) {
        this.models = models;
        this.sweeps = sweeps;
        this.limits = properties.limits();
    }

    @RequiredAccess(ADMIN)
    @PostMapping
    ResponseEntity<ModelResponse> create(@RequestBody CreateModelRequest request) {
        NetworkDefinition definition = definition(request);
        double epsilon = request.lossEpsilon() == null ? LossKind.DEFAULT_EPSILON : request.lossEpsilon();
        Model model = models.create(request.name(), request.description(), definition,
                request.seed() == null ? 0 : request.seed(), epsilon);
        return created(model);
    }

    @RequiredAccess(READ)
    @GetMapping
    PageResponse<ModelResponse> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        Paging.check(page, size);
        PageResponse<ModelResponse> listed = PageResponse.of(models.list(page, size).map(ModelResponse::of));
        Map<String, String> trials = sweeps.sweepsOfModels(listed.items().stream().map(ModelResponse::id).toList());
        return new PageResponse<>(listed.items().stream().map(m -> m.withSweepId(trials.get(m.id()))).toList(),
                listed.page(), listed.size(), listed.totalItems(), listed.totalPages());
    }

    @RequiredAccess(READ)
    @GetMapping("/{id}")
    ModelResponse get(@PathVariable String id) {
        return ModelResponse.of(models.get(id)).withSweepId(sweeps.sweepsOfModels(List.of(id)).get(id));
    }

    @RequiredAccess(ADMIN)
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        models.delete(id);
        return ResponseEntity.noContent().build();
    }

    /**
     * One version as a self-contained model file (docs/model-format.md), for backup or another service; or, with
     * {@code format=onnx}, as an ONNX model computing what predict computes (docs/onnx-export.md).
     */
    @RequiredAccess(READ)
    @GetMapping(path = "/{id}/versions/{version}/export", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    ResponseEntity<StreamingResponseBody> export(@PathVariable String id, @PathVariable String version,
                                                 @RequestParam(defaultValue = "native") String format) {
        boolean onnx = switch (format) {
            case "native" -> false;
            case "onnx" -> true;
            default -> throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("format",
                    "unknown export format '" + format + "'; use native (the default) or onnx")));
        };
        Model model = models.get(id);
        // a number, "latest" or an alias (VersionParameter); 404 before the 200 is committed
        int number = VersionParameter.resolve(models, id, VersionParameter.fromText(version, "version"), "version").number();
        String name = (model.name() == null ? "model" : model.name()).replaceAll("[^A-Za-z0-9._-]+", "_");
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename(name + "-v" + number + (onnx ? ".onnx" : ".chainrule")).build().toString())
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(onnx ? out -> models.exportOnnx(id, number, out) : out -> models.export(id, number, out));
    }

    /** A new model whose version 1 is the exported file's network: predictions equal the exported version's. */
    @RequiredAccess(ADMIN)
    @PostMapping(path = "/import", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    ResponseEntity<ModelResponse> importModel(InputStream body, @RequestParam(required = false) String name) throws IOException {
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("name", tooLong(name, MAX_NAME_LENGTH))));
        }
        Model model;
        try {
            model = models.importModel(new BufferedInputStream(body, 1 << 16), name, this::checkLimits);
        } catch (ModelFile.InvalidModelFileException e) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("body",
                    "is not a Chainrule model file: " + e.getMessage())));
        }
        return created(model);
    }

    /** A maxout layer's pieces (2 to chainrule.limits.max-pieces), 1 for the others; null when invalid (then errors say why). */
    private static Integer pieces(CreateModelRequest.LayerRequest layer, Activation activation, String at, FieldErrors errors,
                                  ChainruleProperties.Limits limits) {
        if (activation != Activation.MAXOUT) {
            if (layer.pieces() != null) {
                errors.add(at + ".pieces", "is only for maxout layers" + (activation == null ? "" : "; " + activation.jsonName() + " has none"));
                return null;
            }
            return 1;
        }
        if (layer.pieces() == null) {
            errors.add(at + ".pieces", "is required for maxout: how many pieces each unit takes the largest of (2 to "
                    + limits.maxPieces() + ", chainrule.limits.max-pieces)");
            return null;
        }
        if (layer.pieces() < 2 || layer.pieces() > limits.maxPieces()) {
            errors.add(at + ".pieces", "must be between 2 and " + limits.maxPieces() + " (chainrule.limits.max-pieces), got " + layer.pieces());
            return null;
        }
        return layer.pieces();
    }

    private static String tooLong(String text, int max) {
        return "must be at most " + max + " characters, got " + text.length();
    }

    /** 201 with the model and its absolute URL as Location. */
    private static ResponseEntity<ModelResponse> created(Model model) {
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/models/{id}").buildAndExpand(model.id()).toUri();
        return ResponseEntity.created(location).body(ModelResponse.of(model));
    }

    /** An imported network must fit the same limits as a defined one. */
    private void checkLimits(NetworkDefinition definition) {
        FieldErrors errors = new FieldErrors();
        if (definition.layers().size() > limits.maxLayers()) {
            errors.add("body", "the model has " + definition.layers().size() + " layers; at most " + limits.maxLayers() + " are allowed (chainrule.limits.max-layers)");
        }
        int widest = Math.max(definition.inputWidth(), definition.layers().stream().mapToInt(LayerSpec::units).max().orElse(0));
        int mostPieces = definition.layers().stream().mapToInt(LayerSpec::pieces).max().orElse(1);
        if (mostPieces > limits.maxPieces()) {
            errors.add("body", "the model has a maxout layer of " + mostPieces + " pieces; at most " + limits.maxPieces() + " are allowed (chainrule.limits.max-pieces)");
        }
        if (widest > limits.maxLayerWidth()) {
            errors.add("body", "the model has a layer of " + widest + " units; at most " + limits.maxLayerWidth() + " are allowed (chainrule.limits.max-layer-width)");
        }
        if (definition.parameterCount() > limits.maxParameters()) {
            errors.add("body", "the model has " + definition.parameterCount() + " parameters; at most " + limits.maxParameters() + " are allowed (chainrule.limits.max-parameters)");
        }
        errors.throwIfAny();
    }

    private NetworkDefinition definition(CreateModelRequest request) {
        return definition(request, limits);
    }

    /** Checks every field, reporting all problems at once, and builds the engine's definition. */
    public static NetworkDefinition definition(CreateModelRequest request, ChainruleProperties.Limits limits) {
        FieldErrors errors = new FieldErrors();
        if (request.name() != null && request.name().length() > MAX_NAME_LENGTH) {
            errors.add("name", tooLong(request.name(), MAX_NAME_LENGTH));
        }
        if (request.description() != null && request.description().length() > MAX_DESCRIPTION_LENGTH) {
            errors.add("description", tooLong(request.description(), MAX_DESCRIPTION_LENGTH));
        }
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
                    errors.add(at + ".activation", "is required (" + ACTIVATIONS + ")");
                } else {
                    try {
                        activation = Activation.parse(layer.activation());
                    } catch (IllegalArgumentException e) {
                        errors.add(at + ".activation", "unknown activation '" + layer.activation() + "'; use " + ACTIVATIONS);
                    }
                }
                Integer pieces = pieces(layer, activation, at, errors, limits);
                if (units != null && units >= 1 && units <= limits.maxLayerWidth() && activation != null && pieces != null) {
                    layers.add(new LayerSpec(units, activation, pieces));
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
