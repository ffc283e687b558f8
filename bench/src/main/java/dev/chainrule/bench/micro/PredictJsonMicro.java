package dev.chainrule.bench.micro;

import dev.chainrule.api.prediction.PredictRequest;
import dev.chainrule.api.prediction.PredictRequestJson;
import dev.chainrule.api.prediction.PredictResponse;
import dev.chainrule.api.rows.InstanceRows;
import dev.chainrule.engine.model.Predictor;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON ends of POST /models/{id}/predict with the service's own classes, on the HTTP benchmark's bodies (1 or
 * 128 MNIST digits): {@code plainShape} reads a body with PredictRequestJson (the service's way for the plain shape),
 * {@code jackson} with Jackson into PredictRequest (its way for any other shape), {@code writeResponse} writes the
 * PredictResponse of those rows with the service's Jackson settings. No matrix work: no thread setting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PredictJsonMicro {
    @Param({"1", "128"})
    public int rows;

    private byte[] body;
    private PredictResponse response;

    @Setup
    public void setUp() {
        body = PredictRequests.body(rows);
        // both readers give the same rows before either is timed
        PredictRequest plain = PredictRequestJson.read(body);
        if (plain == null) {
            throw new IllegalStateException("PredictRequestJson declined the plain-shape body");
        }
        InstanceRows ours = plain.instances();
        InstanceRows theirs = jackson().instances();
        if (ours.rows() != rows || theirs.rows() != rows || ours.count() != theirs.count() || !Arrays.equals(
                Arrays.copyOf(ours.values(), ours.count()), Arrays.copyOf(theirs.values(), theirs.count()))) {
            throw new IllegalStateException("PredictRequestJson and Jackson read the body differently");
        }
        float[] outputs = Predictor.of(PredictRequests.model()).predict(ours.values(), rows);
        response = PredictRequests.response(outputs, rows);
    }

    @Benchmark
    public PredictRequest plainShape() {
        return PredictRequestJson.read(body);
    }

    @Benchmark
    public PredictRequest jackson() {
        return PredictRequests.JSON.readValue(body, PredictRequest.class);
    }

    @Benchmark
    public byte[] writeResponse() {
        return PredictRequests.JSON.writeValueAsBytes(response);
    }
}
