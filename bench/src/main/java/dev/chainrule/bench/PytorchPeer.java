package dev.chainrule.bench;

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
 * The PyTorch peer as a worker process ({@code bench/peers/pytorch/mnist_mlp.py --serve}): it loads MNIST and
 * builds its model once, then trains one epoch and runs its inference chunks each time it is asked, so its
 * epochs run in the same rounds as the engine's and DL4J's, back to back. One process per thread configuration
 * (PyTorch's thread counts and OpenBLAS's kernel are fixed when a process starts).
 */
final class PytorchPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a PyTorch worker is started: its name in the results, what it means, its arguments and environment. */
    record Setting(String name, String description, List<String> arguments, Map<String, String> environment) {
    }

    private final Setting setting;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final JsonNode ready;
    private final List<JsonNode> rounds = new ArrayList<>();
    private JsonNode finish;

    private PytorchPeer(Setting setting, Process process) throws IOException {
        this.setting = setting;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.ready = readLine();
    }

    /** Whether this Python can import torch (Debian's python3-torch); the caller skips the peer otherwise. */
    static String unavailableReason(Path python) {
        if (!Files.isExecutable(python)) {
            return python + " is not there";
        }
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return python + " took over 120 s to import torch";
            }
            return p.exitValue() == 0 ? null : python + " cannot import torch (" + lastLine(output) + ")";
        } catch (IOException | InterruptedException e) {
            return python + " could not be started: " + e.getMessage();
        }
    }

    /** Starts a worker and waits until it has loaded the data and built its model. */
    static PytorchPeer start(Path python, Path script, Path data, int trainingRows, double chunkSeconds,
                             Setting setting) throws IOException {
        List<String> command = new ArrayList<>(List.of(python.toString(), script.toString(), "--serve",
                "--data", data.toString(), "--train-rows", String.valueOf(trainingRows),
                "--chunk-seconds", String.valueOf(chunkSeconds), "--chunks", "3"));
        command.addAll(setting.arguments());
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        // only variables the caller's environment does not set (the caller's values win, always)
        setting.environment().forEach((k, v) -> builder.environment().putIfAbsent(k, v));
        return new PytorchPeer(setting, builder.start());
    }

    /** One epoch and one chunk each of batch-128 and batch-1 inference (round 0 warms up and sizes the chunks). */
    JsonNode round() throws IOException {
        JsonNode reply = ask("{\"op\": \"round\"}");
        rounds.add(reply);
        return reply;
    }

    /** Test accuracy, torch's own GEMM limit and the OpenBLAS state after the rounds. */
    JsonNode finish() throws IOException {
        finish = ask("{\"op\": \"finish\"}");
        return finish;
    }

    Setting setting() {
        return setting;
    }

    /** The worker's environment record (OpenBLAS kernel and threads, torch's threads, variables, versions). */
    JsonNode environment() {
        return ready.path("environment");
    }

    int trainingRows() {
        return ready.path("train_rows").asInt();
    }

    List<JsonNode> rounds() {
        return rounds;
    }

    JsonNode finished() {
        return finish;
    }

    /** Training samples/s of the timed rounds (round 0, the warm-up, left out). */
    double[] timed(String field) {
        double[] values = new double[Math.max(0, rounds.size() - 1)];
        for (int i = 1; i < rounds.size(); i++) {
            values[i - 1] = rounds.get(i).path(field).asDouble();
        }
        return values;
    }

    /** The facts of this worker's environment that the results table shows. */
    Map<String, String> summary() {
        JsonNode env = environment();
        JsonNode blas = env.path("openblas");
        Map<String, String> out = new LinkedHashMap<>();
        out.put("torch", env.path("torch").asText());
        out.put("intra-op threads", env.path("num_threads").asText());
        out.put("OpenBLAS", blas.path("config").asText(blas.path("loaded").asText()));
        out.put("OpenBLAS kernel", blas.path("corename").asText("unknown"));
        out.put("OpenBLAS threads", finish == null ? blas.path("threads").asText() : finish.path("openblas").path("threads").asText());
        JsonNode vars = env.path("env");
        StringBuilder set = new StringBuilder();
        vars.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                set.append(set.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().asText());
            }
        });
        out.put("variables seen", set.length() == 0 ? "none set" : set.toString());
        return out;
    }

    private JsonNode ask(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
        return readLine();
    }

    private JsonNode readLine() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the PyTorch worker '" + setting.name() + "' ended (see its messages above)");
        }
        JsonNode node = JSON.readTree(line);
        if (node.has("error")) {
            throw new IOException("the PyTorch worker '" + setting.name() + "' says: " + node.get("error").asText());
        }
        return node;
    }

    @Override
    public void close() {
        try {
            in.write("{\"op\": \"quit\"}\n");
            in.flush();
        } catch (IOException ignored) {
            // it has gone already
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
