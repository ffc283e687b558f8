package dev.chainrule.bench;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Chainrule vs DL4J results (bench/results/YYYY-MM-DD-dl4j[-quick][-TAG].md) as Markdown. Ratios come from
 * pairs: in every timed round, under each thread setting, the engine's figure over DL4J's, measured back to back;
 * the tables give the median (min - max) of those ratios next to each side's own median (min - max).
 */
final class Dl4jReport {

    /** The engine's side of one thread setting, per timed round (samples/s), from the same run. */
    record EngineSide(String setting, String description, String effective, int trainingRows, double[] trainingRates,
                      double warmUpSeconds, double[] rates128, double[] rates1, double gemmLimitSamplesPerSecond,
                      double finalLoss, double testAccuracy, double heapBytesPerBatch, double nd4jObjectsPerBatch) {
    }

    record Pair(EngineSide engine, Dl4jPeer.Result dl4j) {
    }

    private final Plan plan;
    private final Report.Run run;
    private final String engineResults;
    private final double setupSeconds;
    private final List<Pair> pairs;
    private final Dl4jPeer.Equivalence equivalence;
    private final Dl4jPeer.ThreadCensus beforeDl4j;
    private final Dl4jPeer.ThreadCensus afterInit;
    private final Dl4jPeer.ThreadCensus atEnd;
    private Report md;

    Dl4jReport(Plan plan, Report.Run run, String engineResults, double setupSeconds, List<Pair> pairs,
               Dl4jPeer.Equivalence equivalence, Dl4jPeer.ThreadCensus beforeDl4j, Dl4jPeer.ThreadCensus afterInit,
               Dl4jPeer.ThreadCensus atEnd) {
        this.plan = plan;
        this.run = run;
        this.engineResults = engineResults;
        this.setupSeconds = setupSeconds;
        this.pairs = pairs;
        this.equivalence = equivalence;
        this.beforeDl4j = beforeDl4j;
        this.afterInit = afterInit;
        this.atEnd = atEnd;
    }

    String markdown() {
        int engineRows = pairs.get(0).engine().trainingRows();
        int dl4jRows = pairs.get(0).dl4j().trainingRows();
        md = new Report("Chainrule vs DL4J, " + run.date() + " (" + plan.mode() + " mode)",
                "The engine benchmark's workload on both: MNIST training set (pixels / 255), MLP 784-256-128-10 (ReLU, "
                + "ReLU, softmax + cross-entropy, He init), float32, minibatch " + EngineBenchmark.BATCH + ", plain SGD lr "
                + EngineBenchmark.LEARNING_RATE + ", no regularisation, seed " + EngineBenchmark.SEED + ". Chainrule "
                + "trains " + engineRows + " rows per epoch, DL4J " + dl4jRows + (dl4jRows < engineRows
                        ? " (quick mode: a tiny DL4J run, " + Dl4jPeer.QUICK_BATCHES + " batches per epoch)" : "")
                + ". In each of the " + plan.timedEpochs() + " timed rounds (after a warm-up round), under each thread "
                + "setting in turn, the engine trains one epoch and runs its inference chunks, then DL4J does the same: "
                + "each round gives one **back-to-back pair** per measure. Figures are median (min - max) over rounds; "
                + "*Chainrule / DL4J* is the median (min - max) of the per-round ratios.");
        md.runFacts(run, ", of which DL4J " + Report.f1(setupSeconds + dl4jSeconds()) + " s (setup and the "
                + "check below " + Report.f1(setupSeconds) + " s, rounds and test evaluation " + Report.f1(dl4jSeconds()) + " s)");
        md.fact("The engine's own tables of this run", "`" + engineResults + "`, written beside this file (GEMMs, "
                + "the hot loop's step-by-step breakdown)");
        md.status(run, "absolute figures are low and noisy, the back-to-back ratios less so. Re-run on a quiet machine "
                + "before quoting them.");
        md.line();

        summary();
        training();
        inference();
        allocations();
        threads();
        sameNetwork();
        howDl4jRuns();

        md.environment(null, run.environment(), Map.of());
        return md.markdown();
    }

    private void summary() {
        line("## Side by side");
        line("");
        line("| thread setting | training samples/s: Chainrule | DL4J | **Chainrule / DL4J** | inference b128 samples/s: "
                + "Chainrule | DL4J | Chainrule / DL4J | inference b1 samples/s: Chainrule | DL4J | Chainrule / DL4J |");
        line("|---|---|---|---|---|---|---|---|---|---|");
        for (Pair p : pairs) {
            EngineSide e = p.engine();
            Dl4jPeer.Result d = p.dl4j();
            line("| " + e.setting() + " | " + Stats.of(e.trainingRates()).format("%.0f") + " | "
                    + d.samplesPerSecond().format("%.0f") + " | **" + ratios(e.trainingRates(), d.trainingRates()).format("%.2f")
                    + "** | " + Stats.of(e.rates128()).format("%.0f") + " | " + d.batch128().format("%.0f") + " | "
                    + ratios(e.rates128(), d.rates128()).format("%.2f") + " | " + Stats.of(e.rates1()).format("%.0f") + " | "
                    + d.batch1().format("%.0f") + " | " + ratios(e.rates1(), d.rates1()).format("%.2f") + " |");
        }
        line("");

        Pair engineBest = bestBy(true);
        Pair dl4jBest = bestBy(false);
        double[] bestRatios = new double[plan.timedEpochs()];
        for (int r = 0; r < bestRatios.length; r++) {
            bestRatios[r] = engineBest.engine().trainingRates()[r] / dl4jBest.dl4j().trainingRates()[r];
        }
        Stats best = Stats.of(bestRatios);
        double medianRatio = Stats.of(engineBest.engine().trainingRates()).median() / dl4jBest.dl4j().samplesPerSecond().median();
        line("**Training, best against best** (the issue's target: Chainrule >= 3x DL4J's best): Chainrule's best "
                + "setting `" + engineBest.engine().setting() + "` (" + Report.f0(Stats.of(engineBest.engine().trainingRates()).median())
                + " samples/s) over DL4J's best `" + dl4jBest.dl4j().setting() + "` ("
                + Report.f0(dl4jBest.dl4j().samplesPerSecond().median()) + " samples/s) = **" + Report.f2(medianRatio)
                + "x** on medians; per round (same round, back to back) " + best.format("%.2f") + "x. Target "
                + (medianRatio >= 3 ? "**met**" : "**missed**") + " in this run.");
        line("");
    }

    private void training() {
        line("## Training");
        line("");
        line("Chainrule: `Trainer.fit`, one epoch per round, timed by `EpochReport.durationNanos`. DL4J: "
                + "`MultiLayerNetwork.fit(DataSetIterator)`, one epoch per round, timed around the call (including the "
                + "iterator's shuffle, as the engine's epoch includes its own). Both continue from their weights of the "
                + "round before. *Fraction of GEMM limit*: samples/s over the limit that the engine run measured for "
                + "the eight training GEMMs under the same setting (see the engine's results); both systems call the "
                + "same ND4J/OpenBLAS GEMMs.");
        line("");
        line("| thread setting | system | samples/s median (min - max) | timed epochs (s) | warm-up epoch (s) | "
                + "final train loss | test accuracy (10k) | fraction of GEMM limit |");
        line("|---|---|---|---|---|---|---|---|");
        for (Pair p : pairs) {
            EngineSide e = p.engine();
            Dl4jPeer.Result d = p.dl4j();
            double limit = e.gemmLimitSamplesPerSecond();
            line("| " + e.setting() + " | Chainrule | " + Stats.of(e.trainingRates()).format("%.0f") + " | "
                    + seconds(e.trainingRates(), e.trainingRows()) + " | " + Report.f2(e.warmUpSeconds()) + " | " + Report.f4(e.finalLoss()) + " | "
                    + Report.f4(e.testAccuracy()) + " | " + Report.pct(Stats.of(e.trainingRates()).median() / limit) + " |");
            line("| | DL4J | " + d.samplesPerSecond().format("%.0f") + " | " + join(d.epochSeconds()) + " | "
                    + Report.f2(d.warmUpSeconds()) + " | " + Report.f4(d.finalLoss()) + " | " + Report.f4(d.testAccuracy())
                    + " | " + Report.pct(d.samplesPerSecond().median() / limit) + " |");
        }
        line("");
        line("Both learn: after " + (plan.timedEpochs() + 1) + " epochs each reaches the test accuracy shown (DL4J on "
                + (pairs.get(0).dl4j().trainingRows() < pairs.get(0).engine().trainingRows()
                        ? "fewer rows in quick mode, so lower" : "the same rows in the same order")
                + "). Loss: the engine's epoch mean; DL4J's minibatch scores averaged over the epoch.");
        line("");
    }

    private void inference() {
        line("## Inference");
        line("");
        line("Chainrule: `Network.forward(x)` on a reused input (returns the network's own output buffer). DL4J: "
                + "`MultiLayerNetwork.output(x)` on a reused input (its documented inference call; it returns a new "
                + "array detached from its workspaces, so each call copies the output out).");
        line("");
        line("| thread setting | system | batch 128: samples/s | us/batch | batch 1: samples/s | us/sample |");
        line("|---|---|---|---|---|---|");
        for (Pair p : pairs) {
            Stats e128 = Stats.of(p.engine().rates128());
            Stats e1 = Stats.of(p.engine().rates1());
            line("| " + p.engine().setting() + " | Chainrule | " + e128.format("%.0f") + " | " + Report.f1(128e6 / e128.median())
                    + " | " + e1.format("%.0f") + " | " + Report.f1(1e6 / e1.median()) + " |");
            Dl4jPeer.Result d = p.dl4j();
            line("| | DL4J | " + d.batch128().format("%.0f") + " | " + Report.f1(128e6 / d.batch128().median()) + " | "
                    + d.batch1().format("%.0f") + " | " + Report.f1(1e6 / d.batch1().median()) + " |");
        }
        line("");
    }

    private void allocations() {
        line("## Allocations per training batch");
        line("");
        line("Counted on the training thread over the timed epochs, from the end of each epoch's first batch to the "
                + "end of its last, the same way for both (DL4J: in a TrainingListener's `iterationDone`, which comes "
                + "after the parameter update). Heap bytes: `ThreadMXBean.getThreadAllocatedBytes`. ND4J native "
                + "objects: ND4J's DeallocatorService ids, drawn for every data buffer object (workspace-backed ones "
                + "included: DL4J's workspaces reuse the memory, not the buffer objects) and every op context.");
        line("");
        line("| thread setting | Chainrule heap B/batch | DL4J heap B/batch | Chainrule ND4J objects/batch | "
                + "DL4J ND4J objects/batch | DL4J batches counted | GCs during DL4J's timed epochs |");
        line("|---|---|---|---|---|---|---|");
        for (Pair p : pairs) {
            Dl4jPeer.Result d = p.dl4j();
            line("| " + p.engine().setting() + " | " + Report.f0(p.engine().heapBytesPerBatch()) + " | "
                    + Report.f0(d.heapBytesPerBatch()) + " | " + Report.f1(p.engine().nd4jObjectsPerBatch()) + " | "
                    + Report.f1(d.nd4jObjectsPerBatch()) + " | " + d.measuredBatches() + " | " + d.gcCount() + " |");
        }
        line("");
    }

    private void threads() {
        line("## Threads");
        line("");
        line("Thread settings are applied in-process on the benchmark's thread before each block, exactly as for the "
                + "engine (OpenMP via `setOmpNumThreads`, libnd4j's `maxMasterThreads`, OpenBLAS's count); DL4J runs on "
                + "that same thread. Read back after DL4J's last epoch under each setting:");
        line("");
        line("| thread setting | meaning | engine's read-back | read-back after DL4J |");
        line("|---|---|---|---|");
        for (Pair p : pairs) {
            line("| " + p.engine().setting() + " | " + p.engine().description() + " | " + p.engine().effective() + " | "
                    + p.dl4j().effectiveAfter().describe() + " |");
        }
        line("");
        line("| moment | JVM threads | process threads (/proc/self/task) |");
        line("|---|---|---|");
        line("| before DL4J's first class was used (engine loaded) | " + beforeDl4j.jvmThreads() + " | " + beforeDl4j.processThreads() + " |");
        line("| after building DL4J's networks | " + afterInit.jvmThreads() + " | " + afterInit.processThreads() + " |");
        line("| end of the run | " + atEnd.jvmThreads() + " | " + atEnd.processThreads() + " |");
        line("");
        TreeSet<String> added = atEnd.newSince(beforeDl4j);
        line("JVM threads present at the end but not before DL4J: " + (added.isEmpty() ? "none" : "`" + String.join("`, `", added) + "`")
                + ". (Process threads include OpenMP and OpenBLAS workers, which either system may start.)");
        line("");
    }

    private void sameNetwork() {
        line("## Same network, same numbers");
        line("");
        line("Before the timed rounds, DL4J's network was given the engine's initial parameters (seed "
                + EngineBenchmark.SEED + "); then both ran a forward pass and one SGD step on the first 128 training rows:");
        line("");
        line("| check | value |");
        line("|---|---|");
        line("| output, max abs difference (128 x 10 probabilities) | " + String.format(java.util.Locale.ROOT, "%.2e", equivalence.outputMaxAbsDiff()) + " |");
        line("| loss before the step: Chainrule / DL4J | " + String.format(java.util.Locale.ROOT, "%.6f / %.6f",
                equivalence.engineLoss(), equivalence.dl4jLoss()) + " |");
        line("| parameters after one step, max abs difference (largest change by the step: "
                + String.format(java.util.Locale.ROOT, "%.2e", equivalence.stepMaxAbs()) + ") | " + String.format(java.util.Locale.ROOT, "%.2e", equivalence.parametersMaxAbsDiff()) + " |");
        line("| verdict | " + (equivalence.agrees() ? "the same computation (differences at float32 rounding)"
                : "**the two differ beyond float32 rounding: check the configuration**") + " |");
        line("");
    }

    private void howDl4jRuns() {
        line("## How DL4J is run");
        line("");
        line("```java");
        line("new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.FLOAT).updater(new Sgd(0.1))");
        line("        .weightInit(WeightInit.RELU).list()");
        line("        .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())");
        line("        .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())");
        line("        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)");
        line("                .activation(Activation.SOFTMAX).build())");
        line("        .build();   // then new MultiLayerNetwork(conf).init(); network.fit(iterator) once per epoch");
        line("```");
        line("");
        line("- `deeplearning4j-nn` 1.0.0-M2.1 from Maven Central, in `bench/pom.xml` only (never the service's); "
                + "it runs on the same ND4J 1.0.0-M2.1 / OpenBLAS 0.3.19 natives as the engine, so the ratio is the two "
                + "training loops' own overhead. Workspaces, cache mode and the rest are DL4J's defaults "
                + "(training and inference workspaces ENABLED).");
        line("- The iterator shuffles with the engine `Trainer`'s permutation for the same seed and epoch and gathers "
                + "rows with the engine's `MinibatchRows.gather` into reused buffers, on the training thread "
                + "(`asyncSupported() == false`: DL4J would otherwise prefetch on a second thread, outside the thread "
                + "settings, which apply per thread). So both see the same batches at the same input cost.");
        line("- One `TrainingListener` (mean loss, allocation counters) is attached; DL4J computes the minibatch "
                + "score whether or not a listener asks for it.");
        line("");
    }

    private double dl4jSeconds() {
        double total = 0;
        for (Pair p : pairs) {
            total += p.dl4j().secondsSpent();
        }
        return total;
    }

    private Pair bestBy(boolean engine) {
        Pair best = pairs.get(0);
        for (Pair p : pairs) {
            if (engine ? Stats.of(p.engine().trainingRates()).median() > Stats.of(best.engine().trainingRates()).median()
                    : p.dl4j().samplesPerSecond().median() > best.dl4j().samplesPerSecond().median()) {
                best = p;
            }
        }
        return best;
    }

    private static Stats ratios(double[] engine, double[] dl4j) {
        double[] r = new double[Math.min(engine.length, dl4j.length)];
        for (int i = 0; i < r.length; i++) {
            r[i] = engine[i] / dl4j[i];
        }
        return Stats.of(r);
    }

    private static String seconds(double[] rates, int rows) {
        double[] s = new double[rates.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = rows / rates[i];
        }
        return join(s);
    }

    private static String join(double[] values) {
        StringBuilder out = new StringBuilder();
        for (double v : values) {
            out.append(out.length() == 0 ? "" : ", ").append(Report.f2(v));
        }
        return out.toString();
    }

    private void line(String s) {
        md.line(s);
    }
}
