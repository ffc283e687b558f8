package dev.chainrule.api.prediction;

import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.model.VersionParameter;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.NonFiniteResultException;
import dev.chainrule.api.rows.FeatureRows;
import dev.chainrule.api.rows.InstanceRows;
import dev.chainrule.api.training.TrainRequestValidator;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.model.Task;
import dev.chainrule.model.ModelVersion;
import dev.chainrule.model.VersionRef;
import dev.chainrule.prediction.PredictionService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Predictions and input gradients from a trained version. */
@RestController
public class PredictionController {
    private final PredictionService predictions;
    private final ChainruleProperties.Limits limits;

    PredictionController(PredictionService predictions, ChainruleProperties properties) {
        this.predictions = predictions;
        this.limits = properties.limits();
    }

    @RequiredAccess(READ)
    @PostMapping(path = "/models/{id}/predict", consumes = MediaType.APPLICATION_JSON_VALUE)
    public PredictResponse predict(@PathVariable String id, @RequestBody PredictRequest request) {
        return predict(id, jsonRows(id, request));
    }

    /**
     * The same prediction from rows of little-endian float32 values back to back (rows x the model's input
     * width): a client holding its rows as numbers skips writing and parsing ~6 characters per value, which is
     * most of a large JSON predict's time (bench/results/*-http*.md).
     */
    @RequiredAccess(READ)
    @PostMapping(path = "/models/{id}/predict", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    PredictResponse predictFloat32(@PathVariable String id, @RequestParam(required = false) String version,
                                   @RequestParam(required = false) Integer rows, @RequestBody(required = false) byte[] body,
                                   @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType)
            throws HttpMediaTypeNotSupportedException {
        return predict(id, float32Rows(id, version, rows, body, contentType));
    }

    /**
     * Everything a predict does but the forward pass: the version is resolved, the body read and checked against
     * the model the same way; the answer says how many rows would be predicted. A client can check a request
     * without computing, and the HTTP benchmark gets the framework's ceiling for a body of the same size.
     */
    @RequiredAccess(READ)
    @PostMapping(path = "/models/{id}/predict/dry-run", consumes = MediaType.APPLICATION_JSON_VALUE)
    PredictDryRunResponse predictDryRun(@PathVariable String id, @RequestBody PredictRequest request) {
        return dryRun(id, jsonRows(id, request));
    }

    @RequiredAccess(READ)
    @PostMapping(path = "/models/{id}/predict/dry-run", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    PredictDryRunResponse predictDryRunFloat32(@PathVariable String id, @RequestParam(required = false) String version,
                                               @RequestParam(required = false) Integer rows,
                                               @RequestBody(required = false) byte[] body,
                                               @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false)
                                               String contentType) throws HttpMediaTypeNotSupportedException {
        return dryRun(id, float32Rows(id, version, rows, body, contentType));
    }

    /** A predict request's rows, checked against the version they go to. */
    private record CheckedRows(ModelVersion version, NetworkDefinition definition, InstanceRows instances) {
        Task task() {
            return Task.of(definition);
        }
    }

    private CheckedRows jsonRows(String id, PredictRequest request) {
        ModelVersion version = resolve(id, VersionParameter.fromJson(request.version(), "version"));
        return new CheckedRows(version, checked(version, request.instances(), "instances"), request.instances());
    }

    /**
     * A float32 body as rows of the version's input width: a 400 on "body" when it does not divide into them, and on
     * "rows" when the client said how many rows it sent and the body holds another number (the body has no shape of
     * its own, so rows of a wrong width that happen to fill whole rows would otherwise pass).
     */
    private CheckedRows float32Rows(String id, String versionText, Integer expectedRows, byte[] body, String contentType)
            throws HttpMediaTypeNotSupportedException {
        if (contentType == null) {
            // Spring routes a body without Content-Type here (as octet-stream): JSON sent without one would be read
            // as float32 values and answered with predictions of garbage
            HttpMediaTypeNotSupportedException refused = new HttpMediaTypeNotSupportedException(null,
                    List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM), HttpMethod.POST);
            refused.getBody().setDetail("the request has no Content-Type: rows go as application/json or as float32 "
                    + "values in application/octet-stream");
            throw refused;
        }
        ModelVersion version = resolve(id, VersionParameter.fromText(versionText, "version"));
        int width = version.trainedModel().network().definition().inputWidth();
        int length = body == null ? 0 : body.length;
        long rowBytes = (long) width * Float.BYTES;
        if (length % rowBytes != 0) {
            FieldErrors errors = new FieldErrors();
            errors.add("body", "has " + length + " bytes, not a whole number of rows of " + width
                    + " float32 values (the model's inputWidth; " + rowBytes + " bytes a row)");
            errors.throwIfAny();
        }
        if (expectedRows != null && expectedRows != length / rowBytes) {
            FieldErrors errors = new FieldErrors();
            long held = length / rowBytes;
            errors.add("rows", "is " + expectedRows + ", but the body holds " + held + (held == 1 ? " row" : " rows")
                    + " of " + width + " float32 values (the model's inputWidth; " + length + " bytes)");
            errors.throwIfAny();
        }
        InstanceRows instances = InstanceRows.fromFloat32(body == null ? new byte[0] : body, width);
        return new CheckedRows(version, checked(version, instances, "body"), instances);
    }

    private PredictResponse predict(String id, CheckedRows request) {
        InstanceRows instances = request.instances();
        float[] outputs = predictions.predict(request.version(), instances.values(), instances.rows());
        int k = outputs.length / instances.rows();
        Task task = request.task();
        float[][] values = new float[instances.rows()][];
        for (int r = 0; r < values.length; r++) {
            values[r] = Arrays.copyOfRange(outputs, r * k, (r + 1) * k);
        }
        NonFiniteResultException.check(values, "the output");
        List<PredictResponse.Prediction> list = new ArrayList<>(values.length);
        for (float[] row : values) {
            list.add(switch (task) {
                case CLASSIFICATION -> new PredictResponse.Prediction(row, task.classIndex(row, 0, k), row, null, null);
                case BINARY -> k == 1
                        ? new PredictResponse.Prediction(row, null, null, row[0], task.classIndex(row, 0, k))
                        : new PredictResponse.Prediction(row, null, row, null, null);
                case REGRESSION -> new PredictResponse.Prediction(row, null, null, null, null);
            });
        }
        return new PredictResponse(id, request.version().number(), request.version().alias(), task.jsonName(), list);
    }

    private static PredictDryRunResponse dryRun(String id, CheckedRows request) {
        return new PredictDryRunResponse(id, request.version().number(), request.version().alias(), request.task().jsonName(),
                request.instances().rows());
    }

    /** The version's definition, once the request's rows fit it (else a 400 naming every problem). */
    private NetworkDefinition checked(ModelVersion version, InstanceRows instances, String field) {
        NetworkDefinition definition = version.trainedModel().network().definition();
        FieldErrors errors = new FieldErrors();
        FeatureRows.check(instances, definition.inputWidth(), field, limits.maxPredictRows(),
                "chainrule.limits.max-predict-rows", errors);
        errors.throwIfAny();
        return definition;
    }

    @RequiredAccess(READ)
    @PostMapping("/models/{id}/input-gradients")
    InputGradientResponse inputGradients(@PathVariable String id, @RequestBody InputGradientRequest request) {
        ModelVersion version = resolve(id, VersionParameter.fromJson(request.version(), "version"));
        NetworkDefinition definition = version.trainedModel().network().definition();
        FieldErrors errors = new FieldErrors();
        INDArray instances = instances(request.instances(), definition.inputWidth(), errors);
        INDArray targets = instances == null ? null
                : TrainRequestValidator.targets(request.targets(), (int) instances.rows(), "targets", definition, errors);
        errors.throwIfAny();
        float[][] gradients = rows(predictions.inputGradients(version, instances, targets));
        NonFiniteResultException.check(gradients, "the input gradient");
        return new InputGradientResponse(id, version.number(), version.alias(), List.of(gradients));
    }

    private ModelVersion resolve(String id, VersionRef ref) {
        return VersionParameter.resolve(ref, "version", r -> predictions.resolve(id, r));
    }

    private INDArray instances(double[][] rows, int width, FieldErrors errors) {
        return FeatureRows.toMatrix(rows, width, "instances", limits.maxPredictRows(), "chainrule.limits.max-predict-rows", errors);
    }

    /** A T x K result as Java rows, from one bulk copy (toFloatMatrix copies row by row through native calls). */
    private static float[][] rows(INDArray matrix) {
        INDArray c = matrix.isView() || matrix.ordering() != 'c' ? matrix.dup('c') : matrix;
        float[] flat = c.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat();
        int k = (int) c.columns();
        float[][] out = new float[(int) c.rows()][];
        for (int r = 0; r < out.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, r * k, (r + 1) * k);
        }
        return out;
    }

}
