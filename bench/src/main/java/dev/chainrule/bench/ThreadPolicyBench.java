package dev.chainrule.bench;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.Predictor;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.training.ComputeShares;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.api.buffer.DataType;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The service's thread policy measured on MNIST's MLP (784-256-128-10, SGD, batch 128): jobs run as the service runs
 * them (a {@link Trainer} per job on its own thread, its share from {@link ComputeShares}), under the new policy
 * (every core shared among running jobs) and the old default (1 thread per job: cores / 2 workers on 2 cores).
 * <ol>
 *   <li>one job alone: samples/s;</li>
 *   <li>two jobs at once, the second on half the rows (after it ends the first runs alone again): each job's wall
 *       time and the pair's;</li>
 *   <li>predictions (one request thread, batch 1 and batch 128 forward passes) with no training, and while a job
 *       trains: latency percentiles.</li>
 * </ol>
 * First, the grounds for the policy: whether OpenBLAS's per-thread setter is per thread here, and one product on
 * OpenBLAS's own threads against the engine's split, with one caller and with two.
 * {@code bench/run.sh --threads}; writes bench/results/YYYY-MM-DD-thread-policy[-TAG].md through {@link Report}.
 */
public final class ThreadPolicyBench {
    private record Policy(String name, int total) {
    }

    private final Dataset train;
    private final int epochs;
    private final Report out;

    private ThreadPolicyBench(Dataset train, int epochs, Report out) {
        this.train = train;
        this.epochs = epochs;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of("datasets/mnist");
        Path results = Path.of("bench/results");
        String tag = null;
        String command = "bench/run.sh --threads";
        String revision = "unknown";
        int rows = 60_000;
        int epochs = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                case "--command" -> command = args[++i];
                case "--revision" -> revision = args[++i];
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--quick" -> rows = 10_000;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ComputeThreads.configureDefaults();
        Dataset all = MnistIdxReader.read(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        Dataset train = rows >= all.size() ? all : all.slice(0, rows);
        Map<String, String> environment = EnvironmentInfo.collect();
        ThreadPolicyBench bench = new ThreadPolicyBench(train, epochs, new Report("Thread policy: jobs alone, together, "
                + "and predictions under training (" + LocalDate.now() + ")", "Command: `" + command + "` at " + revision
                + ". MNIST " + train.size() + " rows x " + epochs
                + " epoch(s) per job, MLP 784-256-128-10, SGD 0.1, batch 128, float32."));
        for (String key : List.of("CPU", "logical CPUs (JVM)", "load average at start", "OpenBLAS kernel (openblas_get_corename)",
                "OpenBLAS config", "OpenBLAS threading", "OPENBLAS_CORETYPE")) {
            bench.line("- " + key + ": " + environment.getOrDefault(key, "unknown"));
        }
        bench.line("");
        int cores = Runtime.getRuntime().availableProcessors();
        List<Policy> policies = List.of(new Policy("shared (every core split among running jobs)", cores),
                new Policy("old default (1 thread per job: cores / 2 workers)", Math.max(1, cores / 2)));
        bench.whyNotOpenBlasThreads();
        bench.aloneAndTogether(policies);
        bench.predictionsUnderTraining(policies);
        bench.line("");
        bench.line("Load average at the end: " + EnvironmentInfo.loadAverage() + ". The machine may be shared: compare "
                + "figures within one run, and read the load beside them.");
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-thread-policy" + (tag == null ? "" : "-" + tag) + ".md");
        Files.writeString(file, bench.out.markdown(), StandardCharsets.UTF_8);
        System.err.println("[bench] wrote " + file);
    }

    /**
     * The grounds for the policy: whether openblas_set_num_threads_local is per thread in this build, and one
     * training product (128 x 784 x 256, the first layer's) on OpenBLAS's own threads against the engine's split,
     * one caller and two at once.
     */
    private void whyNotOpenBlasThreads() throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        line("## OpenBLAS's threads or the engine's split");
        line("");
        Nd4j.factory().blas().setMaxThreads(cores);
        int[] seenThere = new int[2];
        Thread other = new Thread(() -> {
            SetLocal local = new SetLocal();
            local.put(Loader.addressof("openblas_set_num_threads_local"));
            seenThere[0] = local.call(1);
            seenThere[1] = openblas_full.openblas_get_num_threads();
        });
        other.start();
        other.join();
        line(String.format(Locale.ROOT, "- openblas_set_num_threads_local(1) on another thread (it had %d): that "
                + "thread then sees %d, this one %d: %s.", seenThere[0], seenThere[1],
                openblas_full.openblas_get_num_threads(), openblas_full.openblas_get_num_threads() == 1
                        ? "the count is process-wide in this build" : "per thread"));
        line("");
        line("GFLOP/s of x W1 (128 x 784 times 784 x 256, float32), back to back for 1 s; with two callers, their sum.");
        line("");
        line("| how | load | one caller | two callers at once |");
        line("|---|---|---:|---:|");
        INDArray a = Nd4j.rand(DataType.FLOAT, 128, 784);
        INDArray b = Nd4j.rand(DataType.FLOAT, 784, 256);
        for (String how : List.of("OpenBLAS, 1 thread", "OpenBLAS's own " + cores + " threads",
                "engine split over " + cores + " threads (OpenBLAS 1)")) {
            boolean own = how.startsWith("OpenBLAS's own");
            int share = how.startsWith("engine") ? cores : 1;
            String load = EnvironmentInfo.loadAverage().replace(" (1, 5, 15 min)", "");
            ComputeThreads.configureDefaults(); // OpenBLAS back to 1
            if (own) {
                Nd4j.factory().blas().setMaxThreads(cores);
            }
            double one = gflops(a, b, share, 1);
            // two callers: each a job of two, so each gets half the threads under the policy
            double two = gflops(a, b, Math.max(1, share / 2), 2);
            line(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f |", how, load, one, two));
            System.err.println("[bench] " + how + ": " + String.format(Locale.ROOT, "%.1f / %.1f", one, two));
        }
        ComputeThreads.configureDefaults();
        line("");
    }

    /** Summed GFLOP/s of {@code callers} threads each running the product back to back for 1 s on the given share. */
    private static double gflops(INDArray a, INDArray b, int share, int callers) throws InterruptedException {
        long[] calls = new long[callers];
        Thread[] threads = new Thread[callers];
        long end = System.nanoTime() + 1_300_000_000L;
        long measureFrom = end - 1_000_000_000L;
        for (int t = 0; t < callers; t++) {
            int index = t;
            threads[t] = new Thread(() -> {
                ComputeThreads.applyToCurrentThread();
                ComputeThreads.useShare(share);
                INDArray c = Nd4j.create(DataType.FLOAT, 128, 256);
                long now;
                while ((now = System.nanoTime()) < end) {
                    Blas.gemm(a, false, b, false, c, 1.0, 0.0);
                    if (now >= measureFrom) {
                        calls[index]++;
                    }
                }
            });
            threads[t].start();
        }
        long total = 0;
        for (int t = 0; t < callers; t++) {
            threads[t].join();
            total += calls[t];
        }
        return total * 2.0 * 128 * 784 * 256 / 1e9;
    }

    /** openblas_set_num_threads_local's signature, int(int), through the preset's own function-pointer type. */
    private static final class SetLocal extends org.bytedeco.openblas.presets.openblas_nolapack.MklSetNumThreadsLocal {
        SetLocal() {
            super();
        }
    }

    private void aloneAndTogether(List<Policy> policies) throws InterruptedException {
        line("## Jobs alone and together");
        line("");
        line("Median (min - max) of " + TOGETHER_ROUNDS + " rounds; each round runs every policy, the order reversed "
                + "every other round (one epoch per job, so one round alone says little on a shared machine).");
        line("");
        line("| policy | load at start | one job alone, samples/s | two at once: job A (all rows) s | job B (half) s | both done s | pair samples/s |");
        line("|---|---|---:|---:|---:|---:|---:|");
        for (Policy policy : policies) { // warm-up, a whole epoch in each policy: JIT (4096 rows left it half done), buffers
            train(new ComputeShares(policy.total()), train, 1);
        }
        String load = EnvironmentInfo.loadAverage().replace(" (1, 5, 15 min)", "");
        double[][][] figures = new double[policies.size()][5][TOGETHER_ROUNDS];
        Dataset half = train.slice(0, train.size() / 2);
        for (int round = 0; round < TOGETHER_ROUNDS; round++) {
            for (int i = 0; i < policies.size(); i++) {
                int p = round % 2 == 0 ? i : policies.size() - 1 - i;
                ComputeShares shares = new ComputeShares(policies.get(p).total());
                double alone = train(shares, train, 1);
                double[] seconds = new double[2];
                long start = System.nanoTime();
                Thread a = new Thread(() -> seconds[0] = train(shares, train, 2));
                Thread b = new Thread(() -> seconds[1] = train(shares, half, 3));
                a.start();
                b.start();
                a.join();
                b.join();
                double both = (System.nanoTime() - start) / 1e9;
                double[] row = {(double) train.size() * epochs / alone, seconds[0], seconds[1], both,
                        (double) (train.size() + half.size()) * epochs / both};
                for (int c = 0; c < row.length; c++) {
                    figures[p][c][round] = row[c];
                }
                System.err.printf(Locale.ROOT, "[bench] round %d, %s: alone %.0f samples/s, both done %.2f s%n", round,
                        policies.get(p).name(), row[0], both);
            }
        }
        for (int p = 0; p < policies.size(); p++) {
            StringBuilder row = new StringBuilder("| " + policies.get(p).name() + " | " + load + " |");
            for (int c = 0; c < 5; c++) {
                Stats stats = Stats.of(figures[p][c]);
                String format = c == 0 || c == 4 ? "%.0f (%.0f - %.0f)" : "%.2f (%.2f - %.2f)";
                row.append(' ').append(String.format(Locale.ROOT, format, stats.median(), stats.min(), stats.max()))
                        .append(" |");
            }
            line(row.toString());
        }
        line("");
    }

    /** Rounds of the jobs alone and together. */
    private static final int TOGETHER_ROUNDS = 5;

    /** Trains one job on its own share; returns its wall seconds. */
    private double train(ComputeShares shares, Dataset data, long seed) {
        Network network = Network.initialised(EngineBenchmark.mlp(), seed);
        long start = System.nanoTime();
        try (ComputeShares.Share share = shares.join()) {
            new Trainer(network, TrainingConfig.of(epochs, EngineBenchmark.BATCH, OptimiserSettings.sgd(0.1), seed))
                    .withThreads(share).fit(data);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void predictionsUnderTraining(List<Policy> policies) throws InterruptedException {
        line("## Predictions while a job trains");
        line("");
        line("One request thread on the service's predict path (engine Predictor, raw MNIST rows) with the service's share "
                + "(every core while no job trains, else its own thread), back to back for 1.5 s per batch size; "
                + "microseconds per call. A running prediction keeps its thread from the job's share.");
        line("");
        line("| policy | training | load | batch 1 p50 | p99 | batch 128 p50 | p99 | job samples/s meanwhile |");
        line("|---|---|---|---:|---:|---:|---:|---:|");
        // the service's predict path (engine Predictor: it tells running jobs' shares that it computes)
        Predictor model = Predictor.of(new TrainedModel(Network.initialised(EngineBenchmark.mlp(), 9), null));
        float[] rows = train.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 128),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup().data().asFloat();
        for (Policy policy : policies) {
            for (boolean training : new boolean[] {false, true}) {
                String load = EnvironmentInfo.loadAverage().replace(" (1, 5, 15 min)", "");
                ComputeShares shares = new ComputeShares(policy.total());
                AtomicBoolean stop = new AtomicBoolean();
                long[] trained = new long[1];
                Thread job = null;
                long start = System.nanoTime();
                if (training) {
                    job = new Thread(() -> {
                        Network network = Network.initialised(EngineBenchmark.mlp(), 4);
                        try (ComputeShares.Share share = shares.join()) {
                            Trainer trainer = new Trainer(network, TrainingConfig.of(1000, EngineBenchmark.BATCH,
                                    OptimiserSettings.sgd(0.1), 4)).withThreads(share);
                            trainer.fit(train, null, new dev.chainrule.engine.training.TrainingListener() {
                                @Override
                                public void onBatch(int epoch, int b, int batches, double loss) {
                                    trained[0] += EngineBenchmark.BATCH;
                                }
                            }, stop::get);
                        }
                    });
                    job.start();
                    Thread.sleep(500); // the job under way
                }
                ComputeThreads.applyToCurrentThread();
                ComputeThreads.useShare(ComputeThreads.idleShare()); // as PredictionService does
                double[] b1 = latencies(model, rows, 1, 1.5);
                double[] b128 = latencies(model, rows, 128, 1.5);
                stop.set(true);
                double jobRate = Double.NaN;
                if (job != null) {
                    job.join();
                    jobRate = trained[0] / ((System.nanoTime() - start) / 1e9);
                }
                line(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %s |", policy.name(),
                        training ? "1 job" : "none", load, pct(b1, 50), pct(b1, 99), pct(b128, 50), pct(b128, 99),
                        training ? String.format(Locale.ROOT, "%.0f", jobRate) : "-"));
                System.err.println("[bench] " + lastRow(policy).trim());
            }
        }
    }

    private static double[] latencies(Predictor model, float[] input, int rows, double seconds) {
        List<Double> micros = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            model.predict(input, rows);
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long t = System.nanoTime();
            model.predict(input, rows);
            micros.add((System.nanoTime() - t) / 1e3);
        }
        return micros.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double pct(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p / 100 * sorted.length))];
    }

    /** The results' last row so far of {@code policy}, for the progress on stderr. */
    private String lastRow(Policy policy) {
        String markdown = out.markdown();
        return markdown.substring(markdown.lastIndexOf("| " + policy.name()));
    }

    private void line(String text) {
        out.line(text);
    }
}
