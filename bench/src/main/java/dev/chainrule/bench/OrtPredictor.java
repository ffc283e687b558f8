package dev.chainrule.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime for Java running the engine's own ONNX export (standardisation as Sub/Div, Gemm and the activations),
 * used at its best from Java: a session with a fixed number of intra-op threads, and per batch size an input and an
 * output tensor over direct buffers made once (pinned), so a call is what Predictor.predict does: the caller's
 * float[] rows copied in, the graph run, the outputs copied out into a new float[].
 */
final class OrtPredictor implements AutoCloseable {
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int inputWidth;
    private final int outputWidth;
    private final Map<Integer, Pinned> pinned = new HashMap<>();

    private record Pinned(FloatBuffer in, OnnxTensor input, FloatBuffer out, OnnxTensor output) {
    }

    OrtPredictor(byte[] model, int intraOpThreads, int inputWidth, int outputWidth) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = environment.createSession(model, options);
        }
        this.inputWidth = inputWidth;
        this.outputWidth = outputWidth;
    }

    /** Outputs for {@code rows} rows starting at row {@code from} of {@code features}, as a new array. */
    float[] predict(float[] features, int from, int rows) {
        try {
            Pinned p = pinned.computeIfAbsent(rows, this::pin);
            p.in().put(0, features, from * inputWidth, rows * inputWidth);
            try (OrtSession.Result ignored = session.run(Map.of("input", p.input()), Map.of("output", p.output()))) {
                float[] out = new float[rows * outputWidth];
                p.out().get(0, out);
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    private Pinned pin(int rows) {
        try {
            FloatBuffer in = direct(rows * inputWidth);
            FloatBuffer out = direct(rows * outputWidth);
            return new Pinned(in, OnnxTensor.createTensor(environment, in, new long[] {rows, inputWidth}), out,
                    OnnxTensor.createTensor(environment, out, new long[] {rows, outputWidth}));
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    @Override
    public void close() throws OrtException {
        for (Pinned p : pinned.values()) {
            p.input().close();
            p.output().close();
        }
        session.close();
    }
}
