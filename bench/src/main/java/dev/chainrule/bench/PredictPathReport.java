package dev.chainrule.bench;

import dev.chainrule.engine.model.Predictor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The predict-path benchmark's Markdown, written by {@link Report}: setup, medians, per-round ratios against each
 * peer's best, targets.
 */
record PredictPathReport(String command, String revision, Instant finished, Map<String, String> environment,
                         String uptimeStart, String uptimeEnd, String lscpu, String checks, String torchMissing,
                         int rounds, double chunkMillis, Map<String, double[][]> rates,
                         Map<String, double[][]> cpu, List<String> loads) {
    private static final String OURS = "Chainrule Predictor.predict";
    private static final String BARE = "Chainrule Network.forward (bare)";

    /** Runs a command and returns its output (or why it could not). */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return text;
        } catch (IOException e) {
            return command[0] + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command[0] + ": interrupted";
        }
    }

    /**
     * Checks before anything is timed that every system computes the same outputs as the Predictor (within 1e-5, at
     * batch 128 and for 64 lone digits, which take the sparse first layer); throws when one does not.
     */
    static String checkAgreement(Predictor predictor, List<OrtPredictor> sessions, PytorchPredictPeer torch, float[] rows)
            throws IOException {
        float[] ours = predictor.predict(rows, 128);
        double worstOrt = 0;
        for (OrtPredictor ort : sessions) {
            worstOrt = Math.max(worstOrt, worst(ours, ort.predict(rows, 0, 128)));
            for (int r = 0; r < 64; r++) {
                float[] row = Arrays.copyOfRange(rows, r * 784, (r + 1) * 784);
                worstOrt = Math.max(worstOrt, worst(predictor.predict(row, 1), ort.predict(row, 0, 1)));
            }
        }
        double worstTorch = torch == null ? Double.NaN : worst(ours, torch.outputs(128));
        if (!(worstOrt <= 1e-5) || torch != null && !(worstTorch <= 1e-5)) {
            throw new IllegalStateException("the systems disagree: ONNX Runtime by " + worstOrt + ", PyTorch by " + worstTorch);
        }
        return String.format(Locale.ROOT, "Outputs agree before timing: the largest difference from Predictor.predict is "
                + "%.2e for ONNX Runtime (128 rows, and 64 lone digits) and %s for PyTorch (128 rows).", worstOrt,
                torch == null ? "n/a" : String.format(Locale.ROOT, "%.2e", worstTorch));
    }

    private static double worst(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    String markdown() {
        Report md = new Report("Predict path in process: Chainrule, ONNX Runtime, PyTorch (" + finished.toString().substring(0, 10)
                + ")", "The work: MNIST's 784-256-128-10 MLP (ReLU, ReLU, softmax), trained 2 epochs on 12,800 standardised "
                + "rows; each call predicts raw test digits (pixels / 255, cycling through 512 rows) into a new float32 "
                + "array. Chainrule: `Predictor.predict(float[], rows)`, the engine class `PredictionService` pools "
                + "(standardise in float32 and the layers; rows mostly zeros start with the sparse first layer instead: "
                + "a lone digit and a batch of digits (18% nonzero) alike; on 2 threads a batch's rows are split in two "
                + "blocks, each through the whole network on its own thread). ONNX "
                + "Runtime: the engine's `OnnxExport` of the same model (standardisation as Sub/Div in the graph), "
                + "input and output tensors pinned over direct buffers, the rows copied in and the outputs out. "
                + "PyTorch: the same weights in `nn.Sequential` under `inference_mode`, `(x - mean) / std` first, "
                + "`torch.from_numpy` in, `.numpy()` out. `Network.forward (bare)`: the forward pass alone on a batch "
                + "standardised beforehand (what the path wraps; on 2 threads each large product split in two). OpenBLAS "
                + "itself runs single-threaded; a predict gets every core while no job trains, one while jobs do "
                + "(ComputeThreads): both settings are shown.");
        md.fact("Command", "`" + command + "` (revision `" + revision + "`), finished " + finished);
        md.fact("CPU", environment.get("CPU") + ", " + environment.get("logical CPUs (JVM)") + " logical CPUs; SIMD "
                + environment.get("CPU flags (SIMD)"));
        md.fact("uptime at start", "`" + uptimeStart + "`");
        md.fact("uptime at end", "`" + uptimeEnd + "`");
        md.fact("Load per round (1, 5, 15 min)", String.join("; ", loads));
        md.fact("Rounds", rounds + " timed (after a warm-up round), chunks of ~" + (long) chunkMillis + " ms; every "
                + "contender runs one chunk per batch size per round, the order reversed every other round.");
        md.line("- " + checks);
        if (torchMissing != null) {
            md.fact("PyTorch left out", torchMissing + " (`bench/peers/pytorch/run.sh` installs Debian's python3-torch)");
        }
        md.line();
        for (int b = 0; b < PredictPathBenchmark.BATCHES.length; b++) {
            md.section("Batch " + PredictPathBenchmark.BATCHES[b] + ": samples/s, median (min - max)");
            md.table("system", "setting", "samples/s");
            for (Map.Entry<String, double[][]> e : rates.entrySet()) {
                String[] name = e.getKey().split(" \\| ");
                md.row(name[0], name[1], Stats.of(e.getValue()[b]).format("%,.0f"));
            }
            md.line();
        }
        md.section("Ratios per round (each system's best setting of the round), median (min - max)");
        md.table("ratio", "batch 1", "batch 128", "target");
        ratioRow(md, "Chainrule / ONNX Runtime", OURS, "ONNX Runtime", "b1 >= 1.5, b128 >= 1.0");
        ratioRow(md, "Chainrule / PyTorch", OURS, "PyTorch", "b128 >= 1.3");
        ratioRow(md, "Chainrule path / bare forward", OURS, BARE, "b128 about 1.0");
        md.line();
        md.section("CPU time per call, one thread of everything (us), median (min - max)");
        md.paragraph("The calling thread's CPU time for the Java systems, the worker process's for PyTorch, in the "
                + "1-thread settings, where it is the whole work of a call: other processes on the machine slow it far "
                + "less than they slow the wall clock (they still share the caches). Ratio: the peer's over Chainrule's, "
                + "per round (above 1: Chainrule does the call in less CPU time).");
        md.table("system", "setting", "batch 1", "batch 128");
        String oursOne = null;
        for (Map.Entry<String, double[][]> e : cpu.entrySet()) {
            if (!oneThread(e.getKey())) {
                continue;
            }
            oursOne = e.getKey().startsWith(OURS) ? e.getKey() : oursOne;
            String[] name = e.getKey().split(" \\| ");
            md.row(name[0], name[1], Stats.of(e.getValue()[0]).format("%,.1f"), Stats.of(e.getValue()[1]).format("%,.1f"));
        }
        for (Map.Entry<String, double[][]> e : cpu.entrySet()) {
            if (oursOne == null || !oneThread(e.getKey()) || e.getKey().startsWith(OURS)) {
                continue;
            }
            List<Object> cells = new ArrayList<>(List.of("CPU time ratio " + e.getKey().split(" \\| ")[0] + " / Chainrule", ""));
            for (int b = 0; b < PredictPathBenchmark.BATCHES.length; b++) {
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = e.getValue()[b][r] / cpu.get(oursOne)[b][r];
                }
                cells.add(Stats.of(ratio).format("%.2f"));
            }
            md.row(cells.toArray());
        }
        md.line();
        md.section("Every round (samples/s)");
        List<String> columns = new ArrayList<>(List.of("system", "setting", "batch"));
        for (int r = 1; r <= rounds; r++) {
            columns.add("round " + r);
        }
        md.table(columns);
        for (Map.Entry<String, double[][]> e : rates.entrySet()) {
            String[] name = e.getKey().split(" \\| ");
            for (int b = 0; b < PredictPathBenchmark.BATCHES.length; b++) {
                List<Object> cells = new ArrayList<>(List.of(name[0], name[1], PredictPathBenchmark.BATCHES[b]));
                for (double v : e.getValue()[b]) {
                    cells.add(String.format(Locale.ROOT, "%,.0f", v));
                }
                md.row(cells.toArray());
            }
        }
        md.line();
        md.environment(null, environment, Map.of());
        md.line("<details><summary>lscpu</summary>");
        md.line();
        md.line("```");
        md.line(lscpu);
        md.line("```");
        md.line("</details>");
        return md.markdown();
    }

    /** A setting of one thread of everything (the CPU time per call is then the work itself). */
    private static boolean oneThread(String key) {
        return key.endsWith(" 1 thread") || key.endsWith(" 1 intra-op thread") || key.endsWith("| 1 intra-op + 1 OpenBLAS thread");
    }

    private void ratioRow(Report md, String label, String ours, String peerPrefix, String target) {
        List<Object> cells = new ArrayList<>(List.of(label));
        for (int b = 0; b < PredictPathBenchmark.BATCHES.length; b++) {
            double[] a = bestPerRound(ours, b);
            double[] p = bestPerRound(peerPrefix, b);
            if (a == null || p == null) {
                cells.add("n/a");
                continue;
            }
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = a[r] / p[r];
            }
            cells.add(Stats.of(ratio).format("%.2f"));
        }
        cells.add(target);
        md.row(cells.toArray());
    }

    /** Per round, the best figure among the settings of the system whose name starts with {@code prefix}. */
    private double[] bestPerRound(String prefix, int batch) {
        Map<String, double[][]> of = new LinkedHashMap<>();
        rates.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                of.put(k, v);
            }
        });
        if (of.isEmpty()) {
            return null;
        }
        double[] best = new double[rounds];
        for (double[][] v : of.values()) {
            for (int r = 0; r < rounds; r++) {
                best[r] = Math.max(best[r], v[batch][r]);
            }
        }
        return best;
    }
}
