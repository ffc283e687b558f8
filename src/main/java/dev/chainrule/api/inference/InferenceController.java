package dev.chainrule.api.inference;

import static dev.chainrule.api.Access.OPEN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.model.Task;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.prediction.PredictionService;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol v2 over REST (KServe's, Triton's and Seldon's dialect; kserve/open-inference-protocol,
 * specification/protocol/inference_rest.md): health, server and model metadata, model readiness and inference, each
 * per-model route with and without {@code /versions/{version}}. Errors are the protocol's {"error": "..."} (see
 * {@link InferenceErrorHandler}). docs/api.md, "Open Inference Protocol", says how names, tensors and outputs map.
 */
@RestController
@RequestMapping(path = "/v2", produces = MediaType.APPLICATION_JSON_VALUE)
class InferenceController {
    static final String PLATFORM = "chainrule_native";
    private static final String FP32 = "FP32";
    private static final String INT64 = "INT64";

    private final InferenceModels models;
    private final PredictionService predictions;
    private final ApplicationAvailability availability;
    private final String serverVersion;
    private final int maxRows;

    InferenceController(InferenceModels models, PredictionService predictions, ApplicationAvailability availability,
                        ObjectProvider<BuildProperties> build, ChainruleProperties properties) {
        this.models = models;
        this.predictions = predictions;
        this.availability = availability;
        BuildProperties info = build.getIfAvailable();
        this.serverVersion = info == null || info.getVersion() == null ? "unknown" : info.getVersion();
        this.maxRows = properties.limits().maxPredictRows();
    }

    record ServerMetadata(String name, String version, List<String> extensions) {
    }

    record Live(boolean live) {
    }

    /** The spec's server-ready object names its field "live"; "ready" is what it means, so both are sent. */
    record Ready(boolean live, boolean ready) {
    }

    record ModelReady(String name, boolean ready) {
    }

    record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                         List<TensorMetadata> outputs) {
    }

    record OutputTensor(String name, List<Long> shape, String datatype, Object data) {
    }

    record InferenceResponse(String model_name, String model_version, String id, List<OutputTensor> outputs) {
    }

    @RequiredAccess(READ)
    @GetMapping({"", "/"})
    ServerMetadata server() {
        return new ServerMetadata("chainrule", serverVersion, List.of());
    }

    @RequiredAccess(OPEN)
    @GetMapping("/health/live")
    Live live() {
        return new Live(true);
    }

    /** Ready once the service accepts traffic (ND4J warmed up), as the readiness probe; 503 until then. */
    @RequiredAccess(OPEN)
    @GetMapping("/health/ready")
    ResponseEntity<Ready> ready() {
        boolean ready = availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC;
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(new Ready(true, ready));
    }

    @RequiredAccess(READ)
    @GetMapping("/models/{name}")
    ModelMetadata metadata(@PathVariable String name) {
        return metadata(name, null);
    }

    @RequiredAccess(READ)
    @GetMapping("/models/{name}/versions/{version}")
    ModelMetadata metadata(@PathVariable String name, @PathVariable String version) {
        Model model = models.model(name);
        models.requireVersion(model, name, version);
        NetworkDefinition definition = model.definition();
        List<TensorMetadata> outputs = new ArrayList<>();
        outputs.add(new TensorMetadata(InferenceModels.OUTPUT, FP32, List.of(-1L, (long) definition.outputWidth())));
        if (InferenceModels.isClassifier(definition)) {
            outputs.add(new TensorMetadata(InferenceModels.CLASS_INDEX, INT64, List.of(-1L)));
        }
        return new ModelMetadata(name, model.versions().stream().map(v -> Integer.toString(v.number())).toList(), PLATFORM,
                List.of(new TensorMetadata(InferenceRequestReader.INPUT, FP32, List.of(-1L, (long) definition.inputWidth()))),
                outputs);
    }

    /** Ready when the model has the version (any version, without one in the path); 404 for one it does not have. */
    @RequiredAccess(READ)
    @GetMapping("/models/{name}/ready")
    ModelReady modelReady(@PathVariable String name) {
        return modelReady(name, null);
    }

    @RequiredAccess(READ)
    @GetMapping("/models/{name}/versions/{version}/ready")
    ModelReady modelReady(@PathVariable String name, @PathVariable String version) {
        Model model = models.model(name);
        models.requireVersion(model, name, version);
        return new ModelReady(name, !model.versions().isEmpty());
    }

    /**
     * Any content type: the body is read as JSON here, so every refusal is the protocol's error, not a 415 problem. It is
     * read from the request's own stream: Spring would hand a form-typed body (curl -d's default) over re-encoded.
     */
    @RequiredAccess(READ)
    @PostMapping(path = "/models/{name}/infer", consumes = MediaType.ALL_VALUE)
    InferenceResponse infer(@PathVariable String name, HttpServletRequest request) throws IOException {
        return infer(name, null, request);
    }

    @RequiredAccess(READ)
    @PostMapping(path = "/models/{name}/versions/{version}/infer", consumes = MediaType.ALL_VALUE)
    InferenceResponse infer(@PathVariable String name, @PathVariable String version, HttpServletRequest request)
            throws IOException {
        ModelVersion resolved = models.version(name, version);
        byte[] body = request.getInputStream().readAllBytes();
        NetworkDefinition definition = resolved.trainedModel().network().definition();
        InferenceRequestReader.Inference inference = InferenceRequestReader.read(body, definition.inputWidth(), maxRows);
        List<String> available = InferenceModels.outputNames(definition);
        List<String> wanted = inference.outputs() == null ? available : inference.outputs();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < wanted.size(); i++) {
            if (!available.contains(wanted.get(i))) {
                throw InferenceException.badRequest("outputs[" + i + "].name '" + wanted.get(i) + "' is not an output of this model;"
                        + " it has " + String.join(", ", available));
            }
            if (!seen.add(wanted.get(i))) {
                throw InferenceException.badRequest("outputs[" + i + "].name '" + wanted.get(i) + "' is asked for twice");
            }
        }
        int rows = inference.rows();
        float[] outputs = predictions.predict(resolved, inference.features(), rows);
        int width = definition.outputWidth();
        for (int i = 0; i < outputs.length; i++) {
            if (!Float.isFinite(outputs[i])) {
                throw InferenceException.badRequest("the output of row " + i / width + " is not a finite number (an overflow:"
                        + " the inputs are too large for the model)");
            }
        }
        List<OutputTensor> tensors = new ArrayList<>();
        for (String output : wanted) {
            tensors.add(output.equals(InferenceModels.OUTPUT)
                    ? new OutputTensor(output, List.of((long) rows, (long) width), FP32, outputs)
                    : new OutputTensor(output, List.of((long) rows), INT64, classIndices(Task.of(definition), outputs, rows, width)));
        }
        return new InferenceResponse(name, Integer.toString(resolved.number()), inference.id(), tensors);
    }

    /** Each row's class, as /predict gives it (Task#classIndex). */
    private static long[] classIndices(Task task, float[] outputs, int rows, int width) {
        long[] classes = new long[rows];
        for (int r = 0; r < rows; r++) {
            classes[r] = task.classIndex(outputs, r * width, width);
        }
        return classes;
    }
}
