package dev.chainrule.bench;

import dev.chainrule.bench.PeerComparison.Contender;
import dev.chainrule.bench.PeerComparison.ThreadSetting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The Markdown results file of {@link PeerComparison}. */
final class ComparisonReport {
    private final boolean quick;
    private final Report.Run run;
    private final int rows;
    private final List<ThreadSetting> settings;
    private final List<Contender> contenders;
    private final Map<Integer, GemmLimit> limits;
    private final List<String> loads;
    private final List<PytorchPeer> workers;
    private final String pytorchSkipped;
    private final boolean dl4j;
    private Report md;

    /** {@code run.loads()}: the load average before round 0, ..., after the last round. */
    ComparisonReport(boolean quick, Report.Run run, int rows, List<ThreadSetting> settings, List<Contender> contenders,
                     Map<Integer, GemmLimit> limits, List<PytorchPeer> workers, String pytorchSkipped, boolean dl4j) {
        this.quick = quick;
        this.run = run;
        this.rows = rows;
        this.settings = settings;
        this.contenders = contenders;
        this.limits = limits;
        this.loads = run.loads().stream().map(l -> l.replace(" (1, 5, 15 min)", "")).toList();
        this.workers = workers;
        this.pytorchSkipped = pytorchSkipped;
        this.dl4j = dl4j;
    }

    String markdown() {
        int timed = loads.size() - 2;
        md = new Report("Chainrule vs DL4J vs PyTorch, " + run.date() + (quick ? " (quick mode: a smoke run, not figures to quote)" : ""),
                "MNIST (" + rows + " x 784 training rows, pixels / 255), MLP 784-256-128-10 (ReLU, ReLU, softmax + cross-entropy,"
                + " He init), float32, minibatch 128, plain SGD lr 0.1, seed 42, the same for every system. In each round every"
                + " system, under each of its thread settings, trains one epoch (continuing) and runs one chunk of inference at"
                + " batch 128 and batch 1, one after the other; then the GEMM limit gets a chunk. Round 0 warms up; the " + timed
                + " timed rounds give each figure as **median (min - max)**, and each round's figures of two systems are a"
                + " back-to-back pair whose ratio is taken per round (the *ratio* columns are the median (min - max) of those)."
                + " Inference ends in the class probabilities for every system: Chainrule's and DL4J's output layers are"
                + " softmax, and PyTorch's model (which ends at the logits, its loss applying log-softmax) is called as"
                + " `model(x).softmax(1)`.");
        md.runFacts(run, "");
        md.fact("Load average (1, 5, 15 min) per round", String.join(" | ", loads) + " (before round 0, ..., after the last)");
        md.status(run, "the pairs' ratios are steadier than the absolute figures, and a quiet re-run is what to quote.");
        md.line();

        summary();
        ratios();
        targets();
        allSettings();
        gemm();
        perRound();
        environmentSection();
        return md.markdown();
    }

    private void summary() {
        line("## Summary: each system in its best setting");
        line();
        line("Best = the setting with the highest median training throughput. *Fraction of GEMM limit*: training samples/s"
                + " over the limit below at the same OpenBLAS thread count (the eight products of a step through OpenBLAS, the"
                + " engine's way; nothing else costs time there).");
        line();
        line("| system | setting | training samples/s | inference b128 samples/s | inference b1 samples/s | fraction of GEMM limit | test accuracy | final loss |");
        line("|---|---|---|---|---|---|---|---|");
        for (String system : systems()) {
            Contender best = best(system);
            if (best != null) {
                line("| " + system + " | " + best.setting + " | " + stats(best, best.training) + " | " + stats(best, best.batch128)
                        + " | " + stats(best, best.batch1) + " | " + fraction(best) + " | " + fmt("%.4f", best.testAccuracy)
                        + " | " + fmt("%.4f", best.finalLoss) + " |");
            }
        }
        if (pytorchSkipped != null) {
            line();
            line("PyTorch: not run (" + pytorchSkipped + "). Debian's `python3-torch` provides it (`bench/peers/pytorch/run.sh`"
                    + " installs it with apt); `--python PATH` or `CHAINRULE_PYTHON` names another interpreter.");
        }
        line();
    }

    private void ratios() {
        line("## Ratios from back-to-back pairs (Chainrule / peer)");
        line();
        line("Per timed round, Chainrule's figure over the peer's figure of the same round; *best against best* takes each"
                + " system's best setting in that round.");
        line();
        line("| pair | training | inference b128 | inference b1 |");
        line("|---|---|---|---|");
        for (String peer : List.of(PeerComparison.DL4J, PeerComparison.PYTORCH)) {
            if (best(peer) == null) {
                continue;
            }
            line("| Chainrule / " + peer + ", best against best | " + bestRatio(peer, c -> c.training) + " | "
                    + bestRatio(peer, c -> c.batch128) + " | " + bestRatio(peer, c -> c.batch1) + " |");
            for (Contender engine : of(PeerComparison.ENGINE)) {
                for (Contender other : of(peer)) {
                    if (other.blasThreads == engine.blasThreads) {
                        line("| Chainrule " + engine.setting + " / " + peer + " " + other.setting + " | "
                                + ratio(engine.timed(engine.training), other.timed(other.training)) + " | "
                                + ratio(engine.timed(engine.batch128), other.timed(other.batch128)) + " | "
                                + ratio(engine.timed(engine.batch1), other.timed(other.batch1)) + " |");
                    }
                }
            }
        }
        line();
    }

    private void targets() {
        line("## Issue 5's targets (medians, best against best)");
        line();
        line("| target | measured | met |");
        line("|---|---|---|");
        Contender engine = best(PeerComparison.ENGINE);
        Contender torch = best(PeerComparison.PYTORCH);
        Contender dl = best(PeerComparison.DL4J);
        if (torch != null) {
            target("training >= 1.0x PyTorch (aim 1.5x)", median(bestRatios(PeerComparison.PYTORCH, c -> c.training)), 1.0);
            target("inference b128 >= 1.0x PyTorch", median(bestRatios(PeerComparison.PYTORCH, c -> c.batch128)), 1.0);
            target("inference b1 >= 0.5x PyTorch", median(bestRatios(PeerComparison.PYTORCH, c -> c.batch1)), 0.5);
        }
        if (dl != null) {
            target("training >= 3x DL4J", median(bestRatios(PeerComparison.DL4J, c -> c.training)), 3.0);
        }
        if (engine != null) {
            line("| fraction of the GEMM limit (reported) | " + fraction(engine) + " | - |");
        }
        line();
    }

    private void target(String what, double ratio, double wanted) {
        line("| " + what + " | " + fmt("%.2fx", ratio) + " | " + (Double.isNaN(ratio) ? "-" : ratio >= wanted ? "yes" : "**no**") + " |");
    }

    private void allSettings() {
        line("## Every setting");
        line();
        line("| system | setting | what | training rows | training samples/s | inference b128 | inference b1 | fraction of GEMM limit | heap B / batch | ND4J objects / batch | notes |");
        line("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Contender c : contenders) {
            line("| " + c.system + " | " + c.setting + " | " + c.description + " | " + c.trainingRows + " | "
                    + stats(c, c.training) + " | " + stats(c, c.batch128) + " | " + stats(c, c.batch1) + " | " + fraction(c)
                    + " | " + fmt("%.0f", c.heapBytesPerBatch) + " | " + fmt("%.1f", c.nd4jObjectsPerBatch) + " | " + c.notes + " |");
        }
        line();
        line("*Heap B / batch* and *ND4J objects / batch* (Java systems): Java heap bytes and ND4J native objects (buffers,"
                + " op contexts) the training thread created per minibatch, from the end of an epoch's first batch to its last.");
        if (dl4j) {
            line(" DL4J trains on the first " + (quick ? Dl4jPeer.QUICK_BATCHES * EngineBenchmark.BATCH + " rows in quick mode"
                    : "rows like the others") + ".");
        }
        line();
    }

    private void gemm() {
        line("## The GEMM limit");
        line();
        line("The eight products of one training step at batch 128 (forward x W; dW = x^T delta; dX = delta W^T, none for"
                + " layer 1), float32, through OpenBLAS as the engine calls it (transposes as flags, preallocated outputs):"
                + " " + fmt("%.1f", GemmLimit.flopPerBatch() / 1e6) + " MFLOP per batch = "
                + fmt("%.3f", GemmLimit.flopPerBatch() / 128 / 1e6) + " MFLOP per sample. Limit = 128 / (their summed time).");
        line();
        StringBuilder header = new StringBuilder("| product | what | shape | MFLOP |");
        StringBuilder rule = new StringBuilder("|---|---|---|---|");
        for (int threads : limits.keySet()) {
            header.append(" us/call, ").append(threads).append(" BLAS thread(s) | GFLOP/s |");
            rule.append("---|---|");
        }
        line(header.toString());
        line(rule.toString());
        List<double[]> micros = new ArrayList<>();
        limits.values().forEach(l -> micros.add(l.medianMicros()));
        for (int i = 0; i < GemmLimit.PRODUCTS.size(); i++) {
            GemmLimit.Product p = GemmLimit.PRODUCTS.get(i);
            StringBuilder row = new StringBuilder("| " + p.name() + " | " + p.what() + " | " + p.shape() + " | "
                    + fmt("%.2f", p.flop() / 1e6) + " |");
            for (double[] m : micros) {
                row.append(' ').append(fmt("%.1f", m[i])).append(" | ").append(fmt("%.1f", p.flop() / m[i] / 1e3)).append(" |");
            }
            line(row.toString());
        }
        line();
        for (Map.Entry<Integer, GemmLimit> e : limits.entrySet()) {
            Stats s = Stats.of(e.getValue().limitPerRound(EngineBenchmark.BATCH));
            line("- " + e.getKey() + " OpenBLAS thread(s): limit " + s.format("%.0f") + " samples/s = "
                    + fmt("%.1f", s.median() * GemmLimit.flopPerBatch() / 128 / 1e9) + " GFLOP/s");
        }
        line();
    }

    private void perRound() {
        line("## Round by round (training samples/s)");
        line();
        StringBuilder header = new StringBuilder("| round | load before (1, 5, 15 min) |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (Contender c : contenders) {
            header.append(' ').append(c.label()).append(" |");
            rule.append("---|");
        }
        line(header.toString());
        line(rule.toString());
        for (int r = 0; r < loads.size() - 1; r++) {
            StringBuilder row = new StringBuilder("| " + r + (r == 0 ? " (warm-up)" : "") + " | " + loads.get(r) + " |");
            for (Contender c : contenders) {
                row.append(' ').append(r < c.training.size() ? fmt("%.0f", c.training.get(r)) : "-").append(" |");
            }
            line(row.toString());
        }
        line();
    }

    private void environmentSection() {
        Map<String, String> pytorch = new LinkedHashMap<>();
        for (PytorchPeer w : workers) {
            w.summary().forEach((k, v) -> pytorch.put("PyTorch " + w.setting().name() + ": " + k, v));
        }
        md.environment("The Java systems (Chainrule, DL4J) share this JVM, ND4J and its OpenBLAS; their thread settings are"
                + " applied in process before each block (OpenMP with omp_set_num_threads on the training thread, OpenBLAS with"
                + " openblas_set_num_threads, as the service's ComputeThreads does). The run sets no environment variable;"
                + " `OPENBLAS_CORETYPE` and friends are as found (bench/run.sh exports `--coretype` only where unset).",
                run.environment(), pytorch);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private List<String> systems() {
        List<String> out = new ArrayList<>();
        for (Contender c : contenders) {
            if (!out.contains(c.system)) {
                out.add(c.system);
            }
        }
        return out;
    }

    private List<Contender> of(String system) {
        return contenders.stream().filter(c -> c.system.equals(system)).toList();
    }

    private Contender best(String system) {
        Contender best = null;
        for (Contender c : of(system)) {
            if (best == null || Stats.of(c.timed(c.training)).median() > Stats.of(best.timed(best.training)).median()) {
                best = c;
            }
        }
        return best;
    }

    private String stats(Contender c, List<Double> values) {
        Stats s = Stats.of(c.timed(values));
        return s.count() == 0 || Double.isNaN(s.median()) ? "-" : s.format("%,.0f");
    }

    private String fraction(Contender c) {
        GemmLimit limit = limits.get(c.blasThreads);
        if (limit == null) {
            return "-";
        }
        double value = Stats.of(c.timed(c.training)).median() / Stats.of(limit.limitPerRound(EngineBenchmark.BATCH)).median();
        return fmt("%.0f%%", 100 * value) + " (" + c.blasThreads + "t)";
    }

    private double[] bestRatios(String peer, Function<Contender, List<Double>> measure) {
        List<Contender> engine = of(PeerComparison.ENGINE);
        List<Contender> other = of(peer);
        int rounds = loads.size() - 2;
        double[] out = new double[rounds];
        for (int r = 1; r <= rounds; r++) {
            out[r - 1] = maxAt(engine, measure, r) / maxAt(other, measure, r);
        }
        return out;
    }

    private String bestRatio(String peer, Function<Contender, List<Double>> measure) {
        return ratioStats(bestRatios(peer, measure));
    }

    private static double maxAt(List<Contender> list, Function<Contender, List<Double>> measure, int round) {
        double best = Double.NaN;
        for (Contender c : list) {
            List<Double> values = measure.apply(c);
            if (round < values.size() && !(values.get(round) <= best)) {
                best = values.get(round);
            }
        }
        return best;
    }

    private static String ratio(double[] a, double[] b) {
        int n = Math.min(a.length, b.length);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = a[i] / b[i];
        }
        return ratioStats(r);
    }

    private static String ratioStats(double[] ratios) {
        Stats s = Stats.of(ratios);
        return s.count() == 0 || Double.isNaN(s.median()) ? "-"
                : String.format(Locale.ROOT, "%.2fx (%.2f - %.2f)", s.median(), s.min(), s.max());
    }

    private static double median(double[] values) {
        return Stats.of(values).median();
    }

    private static String fmt(String pattern, double value) {
        return Report.fmt(pattern, value);
    }

    private void line(String text) {
        md.line(text);
    }

    private void line() {
        md.line();
    }
}
