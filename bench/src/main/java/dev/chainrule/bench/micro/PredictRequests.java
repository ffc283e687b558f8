package dev.chainrule.bench.micro;

import dev.chainrule.api.prediction.PredictResponse;
import dev.chainrule.bench.EngineBenchmark;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.Task;
import dev.chainrule.engine.model.TrainedModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/** What the predict-path micro benchmarks share: the HTTP benchmark's request bodies, the model, the response. */
final class PredictRequests {
    /** The service's JSON settings (ServiceConfiguration: floats written by Jackson's Schubfach writer). */
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    static final int WIDTH = 784;
    /** The HTTP benchmark's largest body; the model's standardisation is fitted on these digits. */
    static final int MAX_ROWS = 128;

    private PredictRequests() {
    }

    /**
     * The body bench/http/bench.py posts: the first {@code rows} MNIST test digits, each pixel p as p / 255 in a
     * double's shortest text, {@code {"instances":[[...],...]}} without spaces.
     */
    static byte[] body(int rows) {
        float[] pixels = Mnist.test(rows).features().data().asFloat();
        StringBuilder json = new StringBuilder("{\"instances\":[");
        for (int r = 0; r < rows; r++) {
            json.append(r == 0 ? "[" : ",[");
            for (int j = 0; j < WIDTH; j++) {
                int p = Math.round(pixels[r * WIDTH + j] * 255);
                json.append(j == 0 ? "" : ",").append(p / 255.0);
            }
            json.append(']');
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The benchmark's MLP (seed 42) with the standardisation fitted on the first 128 test digits. */
    static TrainedModel model() {
        INDArray digits = Mnist.test(MAX_ROWS).features();
        return new TrainedModel(Network.initialised(EngineBenchmark.mlp(), 42), Standardiser.fit(digits));
    }

    /**
     * The response for a classifier's outputs, made as PredictionController.predict makes it (rows split, the class
     * index; the controller's method is private, so these few lines stand in for it).
     */
    static PredictResponse response(float[] outputs, int rows) {
        int k = outputs.length / rows;
        List<PredictResponse.Prediction> list = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            float[] row = Arrays.copyOfRange(outputs, r * k, (r + 1) * k);
            list.add(new PredictResponse.Prediction(row, Task.CLASSIFICATION.classIndex(row, 0, k), row, null, null));
        }
        return new PredictResponse("model", 1, null, Task.CLASSIFICATION.jsonName(), list);
    }
}
