package dev.chainrule.bench;

import static dev.chainrule.bench.Report.f0;
import static dev.chainrule.bench.Report.f1;
import static dev.chainrule.bench.Report.f2;
import static dev.chainrule.bench.Report.f3;
import static dev.chainrule.bench.Report.f4;
import static dev.chainrule.bench.Report.pct;

import dev.chainrule.bench.EngineBenchmark.ConfigResult;
import dev.chainrule.bench.EngineBenchmark.ThreadState;
import java.util.List;
import java.util.Map;

/** What the engine benchmark's results file says (bench/results/YYYY-MM-DD-engine[-concurrency][-quick].md), written by {@link Report}. */
final class EngineReport {
    private final Plan plan;
    private final Report.Run run;
    private final ThreadState defaults;
    private final double loadSeconds;
    private final int trainingRows;
    private final List<ConfigResult> configs;
    private final ConcurrentTraining.Result concurrency;
    private Report md;

    EngineReport(Plan plan, Report.Run run, ThreadState defaults, double loadSeconds, int trainingRows,
                 List<ConfigResult> configs, ConcurrentTraining.Result concurrency) {
        this.plan = plan;
        this.run = run;
        this.defaults = defaults;
        this.loadSeconds = loadSeconds;
        this.trainingRows = trainingRows;
        this.configs = configs;
        this.concurrency = concurrency;
    }

    String markdown() {
        boolean engine = !configs.isEmpty();
        int rows = engine || concurrency == null ? trainingRows : concurrency.rows();
        md = new Report("Engine benchmark" + (engine ? "" : ": concurrent training") + ", " + run.date() + " (" + plan.mode() + " mode)",
                "MNIST training set (" + (rows == 60000 ? "all 60000" : "the first " + rows + " of 60000")
                + " x 784, pixels / 255), MLP 784-256-128-10 (ReLU, ReLU, softmax + cross-entropy, "
                + "He init), float32, minibatch " + EngineBenchmark.BATCH + ", plain SGD lr " + EngineBenchmark.LEARNING_RATE
                + ", seed " + EngineBenchmark.SEED + ". Throughputs are median (min - max) over repeated timed runs.");
        md.runFacts(run, " (MNIST load " + f1(loadSeconds) + " s)");
        md.status(run, "expect low and noisy figures, and re-run on a quiet machine before comparing.");
        md.line();
        md.environment(null, run.environment(), Map.of("ND4J thread defaults (read at start)", defaults.describe()));

        if (engine) {
            engineSections();
        }
        if (concurrency != null) {
            concurrencySection();
        }

        line("## How to read this");
        line("");
        line("- Throughputs are medians over repeated timed runs, with (min - max); a wide spread means the machine "
                + "was busy. Compare medians between runs only with the same thread setting, OPENBLAS_CORETYPE and "
                + "load.");
        if (engine) {
            line("- *GEMM limit* is what training would reach if a batch cost only its eight GEMMs at the speed measured "
                    + "here; *fraction of limit* is how much of that the whole training loop (gather, element-wise ops, "
                    + "loss, metrics, optimiser, Java) keeps. The gap is per-batch overhead, itemised in the breakdown.");
        }
        if (concurrency != null) {
            line("- *Concurrent training*: aggregate samples/s is what the machine delivers with N jobs running; a ratio "
                    + "aggregate(N=2) / aggregate(N=1) near 1 means the second job only shares what one job already "
                    + "used, above 1 that it used cores one job left idle, below 1 that the two jobs got in each "
                    + "other's way (oversubscription). Per-job samples/s is what one user sees.");
        }
        line("- The OpenBLAS kernel row says which GEMM kernel ran. OpenBLAS 0.3.19 (ND4J 1.0.0-M2.1) does not know "
                + "some recent Xeons and falls back to a generic kernel unless OPENBLAS_CORETYPE names one; the "
                + "benchmark never sets it, it only records it.");
        return md.markdown();
    }

    private void engineSections() {
        double minFlops = GemmLimit.flopPerBatch() / EngineBenchmark.BATCH;
        double convFlops = 3 * 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
        line("## Summary");
        line("");
        line("| thread setting | training samples/s | inference b128 samples/s | inference b1 samples/s | "
                + "GEMM limit samples/s | training / limit |");
        line("|---|---|---|---|---|---|");
        for (ConfigResult c : configs) {
            double limit = gemmLimitSamplesPerSecond(c.gemm());
            line("| " + c.setting().name() + " | " + c.training().samplesPerSecond().format("%.0f") + " | "
                    + c.inference().batch128().format("%.0f") + " | " + c.inference().batch1().format("%.0f") + " | "
                    + f0(limit) + " | " + pct(c.training().samplesPerSecond().median() / limit) + " |");
        }
        line("");

        line("## Thread settings");
        line("");
        line("Set in-process before each block of measurements: OpenMP's thread count with "
                + "`NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n)` (omp_set_num_threads, what "
                + "libnd4j's parallel loops use), `Nd4j.getEnvironment().setMaxThreads(n)` and `setMaxMasterThreads(n)`, "
                + "and OpenBLAS's with `Nd4j.factory().blas().setMaxThreads(n)`; then read back. In ND4J 1.0.0-M2.1 "
                + "`Environment.setMaxThreads` is a no-op (maxThreads reads back unchanged) and `setMaxMasterThreads` "
                + "is capped at maxThreads; without the OpenMP call the '1 thread' settings would leave libnd4j's "
                + "OpenMP loops on all cores. `OMP_NUM_THREADS` at JVM start sets the same OpenMP limit (and ND4J then "
                + "also starts OpenBLAS with that many threads).");
        line("");
        line("| setting | meaning | effective |");
        line("|---|---|---|");
        for (ConfigResult c : configs) {
            line("| " + c.setting().name() + " | " + c.setting().description() + " | " + c.effective().describe() + " |");
        }
        line("");

        line("## Training throughput (Trainer.fit)");
        line("");
        line("One epoch per round, `new Trainer(network, TrainingConfig.of(1, 128, OptimiserSettings.sgd(0.1), "
                + EngineBenchmark.SEED + " + round)).fit(train)` on the same network (so it keeps learning): round 0 "
                + "is the warm-up, the other " + plan.timedEpochs() + " are timed (" + trainingRows + " samples each, "
                + "from EpochReport.durationNanos). Rounds alternate between the thread settings.");
        line("");
        line("| thread setting | samples/s median (min - max) | timed epochs (s) | warm-up epoch (s) | "
                + "final train loss | train accuracy | test accuracy (10k) |");
        line("|---|---|---|---|---|---|---|");
        for (ConfigResult c : configs) {
            EngineBenchmark.Training t = c.training();
            StringBuilder epochs = new StringBuilder();
            for (double s : t.epochSeconds()) {
                epochs.append(epochs.length() == 0 ? "" : ", ").append(f2(s));
            }
            line("| " + c.setting().name() + " | " + t.samplesPerSecond().format("%.0f") + " | " + epochs + " | "
                    + f2(t.warmUpSeconds()) + " | " + f4(t.finalLoss()) + " | " + f4(t.finalAccuracy()) + " | "
                    + f4(t.testAccuracy()) + " |");
        }
        line("");

        line("## Inference throughput (Network.forward on a reused input)");
        line("");
        line("| thread setting | batch 128: samples/s | batch 128: us/batch | batch 1: samples/s | batch 1: us/sample |");
        line("|---|---|---|---|---|");
        for (ConfigResult c : configs) {
            EngineBenchmark.Inference i = c.inference();
            line("| " + c.setting().name() + " | " + i.batch128().format("%.0f") + " | "
                    + f1(128e6 / i.batch128().median()) + " | " + i.batch1().format("%.0f") + " | "
                    + f1(1e6 / i.batch1().median()) + " |");
        }
        line("");

        line("## GEMM at the MLP's shapes (float32)");
        line("");
        line("The eight products of a training step at batch 128 as the engine's FullyConnectedLayer calls OpenBLAS "
                + "(`Blas.gemm`: `cblas_sgemm` on the arrays' memory, transposes as flags, into a preallocated c), one "
                + "chunk each per timed round (" + plan.gemmChunksPerRound() + " per round), interleaved with the "
                + "training epochs: GemmLimit, as in the side-by-side run. GFLOP/s = 2 m k n / time. Each call alone, "
                + "against ND4J's `Nd4j.gemm` and with its allocations per call: `bench/run.sh --micro GemmMicro` (JMH).");
        line("");
        for (ConfigResult c : configs) {
            line("**" + c.setting().name() + "** (" + c.effective().describe() + ")");
            line("");
            line("| product | what | m x k * k x n | MFLOP | us/call | GFLOP/s |");
            line("|---|---|---|---|---|---|");
            double[] micros = c.gemm().medianMicros();
            double sum = 0;
            for (int i = 0; i < GemmLimit.PRODUCTS.size(); i++) {
                GemmLimit.Product p = GemmLimit.PRODUCTS.get(i);
                sum += micros[i];
                line("| " + p.name() + " | " + p.what() + " | " + p.shape() + " | " + f3(p.flop() / 1e6) + " | "
                        + f1(micros[i]) + " | " + f1(p.flop() / micros[i] / 1e3) + " |");
            }
            double flops = GemmLimit.flopPerBatch();
            line("");
            line("The eight training products: " + f3(flops / 1e6) + " MFLOP per batch (= " + f3(flops / 128 / 1e6)
                    + " MFLOP per sample), " + f1(sum) + " us per batch (sum of the medians) -> " + f1(flops / sum / 1e3)
                    + " GFLOP/s; GEMM limit per round " + Stats.of(c.gemm().limitPerRound(EngineBenchmark.BATCH)).format("%.0f")
                    + " samples/s.");
            line("");
        }

        line("## Training against the GEMM limit");
        line("");
        line("FLOPs per training sample: minimum " + f3(minFlops / 1e6) + " MFLOP = forward 2(784*256 + 256*128 + "
                + "128*10) + the same for dW + the same without layer 1 for dX (the first layer needs no input "
                + "gradient); conventional 3 x forward = " + f3(convFlops / 1e6) + " MFLOP. The limit is the eight "
                + "training GEMMs' FLOPs over the sum of their measured times (cblas, as the engine calls them; same thread setting), i.e. "
                + "the training loop if it did nothing but its GEMMs.");
        line("");
        line("| thread setting | training GFLOP/s (1.01 MFLOP count) | training GFLOP/s (1.41 count) | GEMM limit GFLOP/s "
                + "| fraction of limit | step time / GEMM time per batch (us) |");
        line("|---|---|---|---|---|---|");
        for (ConfigResult c : configs) {
            double sps = c.training().samplesPerSecond().median();
            double limitSps = gemmLimitSamplesPerSecond(c.gemm());
            line("| " + c.setting().name() + " | " + f1(sps * minFlops / 1e9) + " | " + f1(sps * convFlops / 1e9) + " | "
                    + f1(limitSps * minFlops / 1e9) + " | " + pct(sps / limitSps) + " | " + f0(128e6 / sps) + " / "
                    + f0(128e6 / limitSps) + " |");
        }
        line("");

        line("## Allocations per training batch");
        line("");
        line("Counted on the training thread: Java heap bytes (`ThreadMXBean.getThreadAllocatedBytes`) and ND4J "
                + "native objects created (data buffers incl. scalars and views' buffers, and op contexts: one per "
                + "custom-op call such as Mmul behind Nd4j.gemm or SoftMax), read from ND4J's DeallocatorService id "
                + "counter. Over Trainer.fit's timed epochs, from the end of each epoch's first batch to the end of its "
                + "last (the batch loop alone; per-epoch work such as the shuffle array is not in it):");
        line("");
        line("| thread setting | batches counted | heap bytes/batch | ND4J native objects/batch | GCs during timed epochs |");
        line("|---|---|---|---|---|");
        for (ConfigResult c : configs) {
            EngineBenchmark.Training t = c.training();
            line("| " + c.setting().name() + " | " + t.measuredBatches() + " | " + f0(t.heapBytesPerBatch()) + " | "
                    + f1(t.nd4jObjectsPerBatch()) + " | " + t.gcCount() + " |");
        }
        line("");
        line("### Where the time and allocations of one batch go");
        line("");
        line("Trainer.fit's batch loop with a clock and counters around each step (HotLoop.java): the trainer's row "
                + "order (EpochOrder), then Network.computeGradients' steps in its order, checked before timing to give its "
                + "loss and gradients bit for bit, then the metrics and the optimiser; " + configs.get(0).breakdown().batches()
                + " batches after 50 untimed ones, per thread setting. Allocations are the same under every setting "
                + "(shown once). JavaCPP pointers are net (allocated minus freed) and only indicative.");
        line("");
        StringBuilder header = new StringBuilder("| step |");
        StringBuilder rule = new StringBuilder("|---|");
        for (ConfigResult c : configs) {
            header.append(" us/batch ").append(c.setting().name()).append(" |");
            rule.append("---|");
        }
        header.append(" heap B/batch | ND4J objects/batch | JavaCPP pointers/batch |");
        rule.append("---|---|---|");
        line(header.toString());
        line(rule.toString());
        List<HotLoop.Step> first = configs.get(0).breakdown().steps();
        for (int i = 0; i < first.size(); i++) {
            StringBuilder row = new StringBuilder("| " + first.get(i).name() + " |");
            for (ConfigResult c : configs) {
                HotLoop.Step s = c.breakdown().steps().get(i);
                row.append(" ").append(f1(s.microsPerBatch())).append(" (").append(pct(s.microsPerBatch() / stepSum(c))).append(") |");
            }
            row.append(" ").append(f0(first.get(i).heapBytesPerBatch())).append(" | ").append(f2(first.get(i).nd4jObjectsPerBatch()))
                    .append(" | ").append(f2(first.get(i).javacppPointersPerBatch())).append(" |");
            line(row.toString());
        }
        StringBuilder total = new StringBuilder("| **whole batch** |");
        for (ConfigResult c : configs) {
            total.append(" ").append(f1(c.breakdown().totalMicrosPerBatch())).append(" |");
        }
        total.append(" ").append(f0(configs.get(0).breakdown().totalHeapBytesPerBatch())).append(" | ")
                .append(f2(configs.get(0).breakdown().totalNd4jObjectsPerBatch())).append(" | |");
        line(total.toString());
        line("");

    }

    private void concurrencySection() {
        ConcurrentTraining.Result c = concurrency;
        line("## Concurrent training (N jobs at once)");
        line("");
        line("As the service's worker pool runs jobs: N = 1 or 2 jobs started together, each on its own new thread "
                + "with its own Network (job j: `Network.initialised(mlp, " + EngineBenchmark.SEED + " + j)`), its own "
                + "copy of the first " + c.rows() + " training rows and `new Trainer(network, TrainingConfig.of("
                + c.epochsPerJob() + ", 128, OptimiserSettings.sgd(0.1), " + EngineBenchmark.SEED + " + round)).fit(data)`. "
                + "Per-job samples/s = " + c.rows() + " x " + c.epochsPerJob() + " / (that job's end - common start); "
                + "aggregate = N x " + c.rows() + " x " + c.epochsPerJob() + " / (last job's end - common start). "
                + "Round 0 warms up; in each of the " + c.timedRounds() + " timed rounds every setting runs N = 1 and "
                + "N = 2 back to back (alternating which comes first). Medians (min - max) over the timed rounds (per "
                + "job: over every job of every round). Warm-up " + f1(c.warmUpSeconds()) + " s, timed rounds "
                + f1(c.measuredSeconds()) + " s; load average " + c.loadBefore() + " before, " + c.loadAfter() + " after.");
        line("");
        line("Thread counts are set as `ComputeThreads.configure(omp, blas)` does: OpenBLAS's with "
                + "`Nd4j.factory().blas().setMaxThreads` (process-wide), OpenMP's with `NativeOps.setOmpNumThreads` "
                + "(omp_set_num_threads: it holds only for the calling thread; threads started later begin with the "
                + "process default). *job thread*: each job thread sets OpenMP's count itself before it trains; "
                + "*launching thread*: set once on the thread that starts the jobs, as the service's Nd4jWarmUp does. "
                + "The last column is what the job threads read back on themselves.");
        line("");
        line("| setting | OpenMP set on | N | per-job samples/s | aggregate samples/s | aggregate(N=2) / aggregate(N=1) "
                + "| job threads ran with |");
        line("|---|---|---|---|---|---|---|");
        for (ConcurrentTraining.Setting s : c.settings()) {
            for (int n : ConcurrentTraining.JOB_COUNTS) {
                ConcurrentTraining.Cell cell = c.cell(s, n);
                String ratio = n == 1 ? "" : "**" + f2(c.ratio(s)) + "** (per round " + c.ratioPerRound(s).format("%.2f") + ")";
                line("| " + (n == 1 ? s.name() : "") + " | " + (n == 1 ? (s.scope() == ConcurrentTraining.Scope.JOB_THREAD
                        ? "job thread" : "launching thread") : "") + " | " + n + " | " + cell.perJob().format("%.0f")
                        + " | " + cell.aggregate().format("%.0f") + " | " + ratio + " | " + String.join("; ", cell.seenByJobs())
                        + " |");
            }
        }
        line("");
        line("Settings:");
        line("");
        for (ConcurrentTraining.Setting s : c.settings()) {
            line("- `" + s.name() + "`: " + s.description());
        }
        line("");
        StringBuilder same = new StringBuilder();
        for (ConcurrentTraining.Setting s : c.settings()) {
            double[] one = c.cell(s, 1).job0Loss();
            double[] two = c.cell(s, 2).job0Loss();
            boolean equal = java.util.Arrays.equals(one, two);
            same.append(same.length() == 0 ? "" : "; ").append(s.name()).append(equal ? ": identical" : ": differ (N=1 "
                    + f4(one[0]) + ", N=2 " + f4(two[0]) + " in round 1)");
        }
        line("Job 0 trains the same network on the same shuffles at N = 1 and N = 2, so its final training loss "
                + "should not depend on N (a check that concurrent jobs do not disturb each other's numbers): " + same + ".");
        line("");
    }

    /** The median over rounds of the limit: 128 samples over the eight products' summed time of a round. */
    static double gemmLimitSamplesPerSecond(GemmLimit gemm) {
        return Stats.of(gemm.limitPerRound(EngineBenchmark.BATCH)).median();
    }

    private static double stepSum(ConfigResult c) {
        double sum = 0;
        for (HotLoop.Step s : c.breakdown().steps()) {
            sum += s.microsPerBatch();
        }
        return sum;
    }

    private void line(String s) {
        md.line(s);
    }
}
