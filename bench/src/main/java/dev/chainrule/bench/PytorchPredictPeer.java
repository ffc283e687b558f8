package dev.chainrule.bench;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import dev.chainrule.engine.model.TrainedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * PyTorch on the same weights, as a worker process ({@code bench/peers/pytorch/predict_path.py}): the Java side
 * writes the model's standardisation and layers and the input rows to a temporary folder, the worker builds
 * nn.Sequential from them and times chunks when asked, with the thread counts of each setting set before each chunk.
 */
final class PytorchPredictPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("bench/peers/pytorch/predict_path.py");

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final JsonNode ready;
    private final Path folder;

    private PytorchPredictPeer(Process process, Path folder) throws IOException {
        this.process = process;
        this.folder = folder;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.ready = read();
    }

    /** Null (and the report says why) when this Python cannot import torch. */
    static PytorchPredictPeer startIfAvailable(Path python, TrainedModel model, float[] rows) throws IOException {
        if (unavailable(python) != null) {
            PredictPathBenchmark.log("PyTorch left out: " + unavailable(python));
            return null;
        }
        Path folder = Files.createTempDirectory("chainrule-predict-path");
        List<float[]> arrays = new ArrayList<>();
        arrays.add(model.standardiser().meanFloat32());
        arrays.add(model.standardiser().stdFloat32());
        List<Map<String, Object>> layers = new ArrayList<>();
        List<LayerSpec> specs = model.network().definition().layers();
        for (int i = 0; i < specs.size(); i++) {
            FullyConnectedLayer layer = model.network().denseLayers().get(i);
            arrays.add(PredictPathBenchmark.floats(layer, true));
            arrays.add(PredictPathBenchmark.floats(layer, false));
            layers.add(Map.of("in", layer.inputWidth(), "out", layer.outputWidth(), "activation",
                    specs.get(i).activation().jsonName()));
        }
        Files.write(folder.resolve("weights.f32"), PredictPathBenchmark.littleEndian(arrays.toArray(float[][]::new)));
        Files.write(folder.resolve("inputs.f32"), PredictPathBenchmark.littleEndian(rows));
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("inputWidth", PredictPathBenchmark.WIDTH);
        description.put("weights", "weights.f32");
        description.put("layers", layers);
        JSON.writeValue(folder.resolve("model.json").toFile(), description);
        Process process = new ProcessBuilder(python.toString(), SCRIPT.toString(), "--model",
                folder.resolve("model.json").toString(), "--inputs", folder.resolve("inputs.f32").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new PytorchPredictPeer(process, folder);
    }

    static String unavailable(Path python) {
        return PytorchPeer.unavailableReason(python);
    }

    /** The worker's outputs for the first {@code batch} rows. */
    float[] outputs(int batch) throws IOException {
        JsonNode values = ask(Map.of("op", "outputs", "batch", batch)).get("outputs");
        float[] result = new float[values.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) values.get(i).asDouble();
        }
        return result;
    }

    /** The setting of {@code threads} intra-op threads and {@code blasThreads} OpenBLAS threads. */
    PredictPathBenchmark.Contender setting(int threads, int blasThreads) {
        return new PredictPathBenchmark.Contender() {
            public String system() {
                return "PyTorch " + ready.path("torch").asText();
            }

            public String setting() {
                return threads + " intra-op + " + blasThreads + " OpenBLAS " + (blasThreads == 1 ? "thread" : "threads");
            }

            public long calibrate(int batch, double millis) throws IOException {
                return ask(Map.of("op", "calibrate", "batch", batch, "millis", millis, "threads", threads,
                        "blas_threads", blasThreads)).get("calls").asLong();
            }

            private double cpuMicros = Double.NaN;

            public double chunk(int batch, long calls) throws IOException {
                JsonNode reply = ask(Map.of("op", "chunk", "batch", batch, "calls", calls, "threads", threads,
                        "blas_threads", blasThreads));
                cpuMicros = reply.path("cpu_us_per_call").asDouble(Double.NaN);
                return reply.get("samples_per_second").asDouble();
            }

            public double lastCpuMicrosPerCall() {
                return cpuMicros;
            }
        };
    }

    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode blas = ready.path("openblas");
        env.put("PyTorch", ready.path("torch").asText() + " (numpy " + ready.path("numpy").asText() + ", default "
                + ready.path("intra_op_threads").asText() + " intra-op threads)");
        env.put("PyTorch's OpenBLAS", blas.path("config").asText("not found") + "; kernel "
                + blas.path("corename").asText("unknown") + "; " + blas.path("path").asText(""));
        return env;
    }

    private JsonNode ask(Map<String, Object> command) throws IOException {
        in.write(JSON.writeValueAsString(command) + "\n");
        in.flush();
        return read();
    }

    private JsonNode read() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the PyTorch worker ended (see its messages above)");
        }
        JsonNode node = JSON.readTree(line);
        if (node.has("error")) {
            throw new IOException("the PyTorch worker says: " + node.get("error").asText());
        }
        return node;
    }

    @Override
    public void close() throws IOException {
        try {
            in.write("{\"op\": \"quit\"}\n");
            in.flush();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(folder)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(folder);
    }
}
