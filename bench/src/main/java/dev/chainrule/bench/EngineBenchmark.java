package dev.chainrule.bench;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingListener;
import dev.chainrule.engine.training.TrainingOutcome;
import dev.chainrule.engine.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The engine benchmark: MNIST's 60000 x 784 training set, MLP 784-256-128-10 (ReLU, softmax +
 * cross-entropy), float32, minibatch 128, plain SGD lr 0.1. Measures training and inference throughput, OpenBLAS's
 * GEMM speed at the MLP's exact shapes and how close training gets to it, under two thread settings, and the
 * allocations of the training step, and concurrent training jobs (ConcurrentTraining). Writes
 * bench/results/YYYY-MM-DD-engine[-concurrency][-quick][-TAG].md and prints it.
 *
 * <p>Arguments: {@code --quick} (CI smoke) or {@code --full} (default); {@code --concurrency} (only the
 * concurrent-training measurement, at the chosen mode's size, without the DL4J peer); {@code --data DIR} (default
 * $CHAINRULE_MNIST_DIR or datasets/mnist, relative to the repo root); {@code --results DIR} (default
 * bench/results); {@code --tag NAME}; {@code --peers LIST} (comma-separated: {@code dl4j} runs {@link Dl4jPeer} back
 * to back with the engine and writes YYYY-MM-DD-dl4j[-quick][-TAG].md too; {@code none}; default {@code dl4j});
 * {@code --command "..."} and {@code --revision "..."} are recorded as given.
 */
public final class EngineBenchmark {
    static final int BATCH = 128;
    static final double LEARNING_RATE = 0.1;
    static final long SEED = 42;
    static final int[] WIDTHS = {784, 256, 128, 10};

    record ThreadSetting(String name, String description, int ompThreads, int masterThreads, int blasThreads) {
    }


    /**
     * ND4J's thread knobs as read back. {@code ompThreads} is OpenMP's own limit (omp_get_max_threads through
     * NativeOps), which libnd4j's parallel loops use; {@code maxThreads}/{@code masterThreads} are libnd4j's
     * Environment values; {@code blasThreads} is OpenBLAS's thread count.
     */
    record ThreadState(int ompThreads, int maxThreads, int masterThreads, int blasThreads) {
        static ThreadState read() {
            Environment env = Nd4j.getEnvironment();
            return new ThreadState(NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                    env.maxThreads(), env.maxMasterThreads(), Nd4j.factory().blas().getMaxThreads());
        }

        String describe() {
            return "OpenMP max threads=" + ompThreads + ", Environment maxThreads=" + maxThreads + ", maxMasterThreads="
                    + masterThreads + ", BLAS threads=" + blasThreads;
        }
    }

    record Training(Stats samplesPerSecond, double[] epochSeconds, double warmUpSeconds, double finalLoss,
                    double finalAccuracy, double testAccuracy, double heapBytesPerBatch, double nd4jObjectsPerBatch,
                    long measuredBatches, long gcCount) {
    }

    record Inference(Stats batch128, Stats batch1) {
    }

    record ConfigResult(ThreadSetting setting, ThreadState effective, GemmLimit gemm, Training training,
                        Inference inference, HotLoop.Breakdown breakdown) {
    }

    public static void main(String[] args) throws Exception {
        Plan plan = Plan.full();
        Path data = Path.of(System.getenv().getOrDefault("CHAINRULE_MNIST_DIR", "datasets/mnist"));
        Path results = Path.of("bench/results");
        String tag = null;
        String command = null;
        String revision = "unknown";
        boolean concurrencyOnly = false;
        String peers = Dl4jPeer.NAME;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> plan = Plan.quick();
                case "--full" -> plan = Plan.full();
                case "--concurrency" -> concurrencyOnly = true;
                case "--data" -> data = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                case "--command" -> command = args[++i];
                case "--revision" -> revision = args[++i];
                case "--peers" -> peers = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --quick|--full, --concurrency, --data DIR, --results DIR, --tag NAME, --peers dl4j|none)");
            }
        }
        if (command == null) {
            command = "java dev.chainrule.bench.EngineBenchmark " + String.join(" ", args);
        }
        boolean dl4j = false;
        for (String peer : peers.split(",")) {
            switch (peer.trim()) {
                case Dl4jPeer.NAME -> dl4j = true;
                case "none", "" -> {
                }
                default -> throw new IllegalArgumentException("unknown peer " + peer + " (known: " + Dl4jPeer.NAME + ", none)");
            }
        }
        new EngineBenchmark(plan, concurrencyOnly, data, results, tag, command, revision, dl4j).run();
    }

    private final Plan plan;
    private final boolean concurrencyOnly;
    private final Path data;
    private final Path resultsDir;
    private final String tag;
    private final String command;
    private final String revision;
    private final boolean dl4j;
    private final ZonedDateTime started = ZonedDateTime.now();

    EngineBenchmark(Plan plan, boolean concurrencyOnly, Path data, Path resultsDir, String tag, String command,
                    String revision, boolean dl4j) {
        this.plan = plan;
        this.concurrencyOnly = concurrencyOnly;
        this.data = data;
        this.resultsDir = resultsDir;
        this.tag = tag;
        this.command = command;
        this.revision = revision;
        this.dl4j = dl4j;
    }

    public static NetworkDefinition mlp() {
        return new NetworkDefinition(WIDTHS[0], List.of(
                new LayerSpec(WIDTHS[1], Activation.RELU),
                new LayerSpec(WIDTHS[2], Activation.RELU),
                new LayerSpec(WIDTHS[3], Activation.SOFTMAX)), LossKind.CROSS_ENTROPY, WeightInitialiser.HE);
    }

    void run() throws IOException, InterruptedException {
        long wallStart = System.nanoTime();
        log("engine benchmark, " + plan.mode() + " mode" + (concurrencyOnly ? ", concurrent training only" : "")
                + "; MNIST from " + data.toAbsolutePath().normalize());
        ThreadState defaults = ThreadState.read();
        Map<String, String> environment = EnvironmentInfo.collect();

        long t0 = System.nanoTime();
        Dataset all = MnistIdxReader.read(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        Dataset test = MnistIdxReader.read(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        log(String.format(Locale.ROOT, "loaded %d + %d images in %.1f s", all.size(), test.size(), loadSeconds));
        Dataset train = plan.trainingRows() >= all.size() ? all : all.slice(0, plan.trainingRows());
        EngineMeasurement engine = concurrencyOnly ? EngineMeasurement.NONE : measureEngine(defaults, train, test);

        log("concurrent training: N = 1 and 2 jobs at once, " + plan.concurrencyRows() + " rows x "
                + plan.concurrencyEpochs() + " epoch(s) each");
        ConcurrentTraining.Result concurrency = new ConcurrentTraining(defaults,
                ConcurrentTraining.settings(defaults, plan.mode().equals("quick")), all.slice(0, plan.concurrencyRows()),
                plan.concurrencyEpochs(), plan.concurrencyRounds()).run();

        environment.put("load average at end", EnvironmentInfo.loadAverage());
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        Report.Run run = new Report.Run(started, command, revision, wallSeconds, environment,
                Report.Run.startAndEnd(environment));
        String report = new EngineReport(plan, run, defaults, loadSeconds, train.size(), engine.configs(), concurrency)
                .markdown();

        Files.createDirectories(resultsDir);
        String name = started.format(DateTimeFormatter.ISO_LOCAL_DATE) + "-engine" + (concurrencyOnly ? "-concurrency" : "")
                + (plan.mode().equals("quick") ? "-quick" : "") + (tag == null ? "" : "-" + tag) + ".md";
        Path file = resultsDir.resolve(name);
        Files.writeString(file, report);
        System.out.println(report);
        log("wrote " + file);

        if (engine.dl4j() != null) {
            double wall = (System.nanoTime() - wallStart) / 1e9;
            writeDl4jReport(engine.dl4j(), name, new Report.Run(started, command, revision, wall, environment,
                    Report.Run.startAndEnd(environment)));
        }
    }

    /**
     * What {@link #measureEngine} hands back: the per-setting results for the engine report and, when the DL4J peer
     * ran ({@code --peers dl4j}), what its report needs; {@code dl4j} is null otherwise.
     */
    record EngineMeasurement(List<ConfigResult> configs, Dl4jMeasurement dl4j) {
        static final EngineMeasurement NONE = new EngineMeasurement(List.of(), null);
    }

    /** The DL4J peer's side of the engine measurement: back-to-back pairs, setup time, equivalence check, threads. */
    record Dl4jMeasurement(List<Dl4jReport.Pair> pairs, double setupSeconds, Dl4jPeer.Equivalence equivalence,
                           Dl4jPeer.ThreadCensus beforeDl4j, Dl4jPeer.ThreadCensus afterInit) {
    }

    /** Writes YYYY-MM-DD-dl4j[-quick][-TAG].md next to the engine report {@code engineName} and prints it. */
    private void writeDl4jReport(Dl4jMeasurement dl4jRun, String engineName, Report.Run run) throws IOException {
        String peerReport = new Dl4jReport(plan, run, engineName, dl4jRun.setupSeconds(), dl4jRun.pairs(),
                dl4jRun.equivalence(), dl4jRun.beforeDl4j(), dl4jRun.afterInit(), Dl4jPeer.ThreadCensus.now()).markdown();
        Path peerFile = resultsDir.resolve(engineName.replaceFirst("-engine", "-" + Dl4jPeer.NAME));
        Files.writeString(peerFile, peerReport);
        System.out.println(peerReport);
        log("wrote " + peerFile);
    }

    /**
     * Training, inference, GEMM, hot-loop, per-call and prototype measurements under the three thread settings, with
     * the DL4J peer run back to back with the engine in the same rounds when {@code dl4j} is set.
     */
    private EngineMeasurement measureEngine(ThreadState defaults, Dataset train, Dataset test) {
        List<ThreadSetting> settings = List.of(
                new ThreadSetting("defaults", "ND4J's own defaults (as the service runs)",
                        defaults.ompThreads, defaults.masterThreads, defaults.blasThreads),
                new ThreadSetting("omp1-blas2", "1 ND4J (OpenMP) thread + 2 BLAS threads", 1, 1, 2),
                new ThreadSetting("omp1-blas1", "1 ND4J (OpenMP) thread + 1 BLAS thread", 1, 1, 1));

        List<Run> runs = new ArrayList<>();
        for (ThreadSetting setting : settings) {
            apply(setting);
            runs.add(new Run(setting, ThreadState.read(), train));
        }
        // the DL4J peer: one network per thread setting, each run right after the engine's block of every round
        Dl4jPeer.ThreadCensus beforeDl4j = Dl4jPeer.ThreadCensus.now();
        Dl4jPeer.Equivalence equivalence = null;
        List<Dl4jPeer.Run> peerRuns = new ArrayList<>();
        long dl4jSetupStart = System.nanoTime();
        if (dl4j) {
            apply(settings.get(0));
            equivalence = Dl4jPeer.checkAgainstEngine(train);
            log("DL4J peer: same forward pass and SGD step as the engine: " + equivalence);
            for (ThreadSetting setting : settings) {
                peerRuns.add(new Dl4jPeer.Run(setting.name, plan, train));
            }
        }
        double dl4jSetupSeconds = (System.nanoTime() - dl4jSetupStart) / 1e9;
        Dl4jPeer.ThreadCensus afterDl4jInit = Dl4jPeer.ThreadCensus.now();
        // round 0 warms up and calibrates; in every later round each setting trains one epoch, then runs its
        // inference and GEMM chunks, so a change in machine load hits all settings alike
        for (int round = 0; round <= plan.timedEpochs(); round++) {
            for (int i = 0; i < runs.size(); i++) {
                Run run = runs.get(i);
                apply(run.setting);
                log("round " + round + (round == 0 ? " (warm-up)" : "") + ", thread setting '" + run.setting.name + "'");
                run.round(round);
                if (dl4j) {
                    // DL4J's products are ND4J's, on OpenBLAS's own threads (the engine's run set them to 1)
                    Nd4j.factory().blas().setMaxThreads(run.setting.blasThreads);
                    peerRuns.get(i).round(round);
                }
            }
        }
        List<ConfigResult> configs = new ArrayList<>();
        List<Dl4jPeer.Result> dl4jResults = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            apply(run.setting);
            if (dl4j) {
                dl4jResults.add(peerRuns.get(i).result(test));
            }
            log("hot-loop breakdown, thread setting '" + run.setting.name + "'");
            Network network = Network.initialised(mlp(), SEED);
            HotLoop.Breakdown breakdown = HotLoop.measure(network, train, BATCH, 50, plan.breakdownBatches(), LEARNING_RATE, SEED);
            configs.add(new ConfigResult(run.setting, run.effective, run.gemm, run.training(test),
                    run.inference(), breakdown));
        }
        apply(settings.get(0));
        if (!dl4j) {
            return new EngineMeasurement(configs, null);
        }
        List<Dl4jReport.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            pairs.add(new Dl4jReport.Pair(runs.get(i).engineSide(configs.get(i)), dl4jResults.get(i)));
        }
        return new EngineMeasurement(configs,
                new Dl4jMeasurement(pairs, dl4jSetupSeconds, equivalence, beforeDl4j, afterDl4jInit));
    }

    /**
     * Sets OpenMP's thread count (NativeOps.setOmpNumThreads, i.e. omp_set_num_threads), libnd4j's Environment
     * maxThreads and maxMasterThreads, and the engine's threads (OpenBLAS's for the DL4J peer, set before its
     * rounds). In 1.0.0-M2.1 Environment.setMaxThreads
     * does nothing (the read-back shows it); setMaxMasterThreads does, capped at maxThreads.
     */
    private static void apply(ThreadSetting setting) {
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(setting.ompThreads);
        Environment env = Nd4j.getEnvironment();
        env.setMaxThreads(setting.ompThreads);
        env.setMaxMasterThreads(setting.masterThreads);
        // the engine's policy: OpenBLAS single-threaded, each product split over blasThreads (ComputeThreads)
        dev.chainrule.engine.kernel.ComputeThreads.configure(setting.ompThreads, setting.blasThreads);
        dev.chainrule.engine.kernel.ComputeThreads.useShare(setting.blasThreads);
    }

    /** One thread setting's training network, inference inputs and GEMM cases, measured round by round. */
    private final class Run {
        final ThreadSetting setting;
        final ThreadState effective;
        final Dataset train;
        final Network network = Network.initialised(mlp(), SEED);
        final Network inferenceNetwork = Network.initialised(mlp(), SEED);
        final INDArray x128;
        final INDArray x1;
        final GemmLimit gemm = new GemmLimit();
        final List<EpochReport> epochs = new ArrayList<>();
        final double[] rate128;
        final double[] rate1;
        long calls128;
        long calls1;
        long heapBytes;
        long nd4jObjects;
        long measuredBatches;
        long gcs;

        Run(ThreadSetting setting, ThreadState effective, Dataset train) {
            this.setting = setting;
            this.effective = effective;
            this.train = train;
            x128 = train.features().get(NDArrayIndex.interval(0, BATCH), NDArrayIndex.all()).dup('c');
            x1 = train.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup('c');
            rate128 = new double[plan.timedEpochs()];
            rate1 = new double[plan.timedEpochs()];
        }

        void round(int round) {
            trainOneEpoch(round);
            Runnable forward128 = () -> inferenceNetwork.forward(x128);
            Runnable forward1 = () -> inferenceNetwork.forward(x1);
            if (round == 0) {
                calls128 = Timing.calibrate(forward128, plan.inferenceChunkMillis());
                calls1 = Timing.calibrate(forward1, plan.inferenceChunkMillis());
                gemm.calibrate(plan.gemmChunkMillis());
            } else {
                rate128[round - 1] = Timing.chunk(forward128, calls128);
                rate1[round - 1] = Timing.chunk(forward1, calls1);
                for (int i = 0; i < plan.gemmChunksPerRound(); i++) {
                    gemm.round();
                }
            }
        }

        /** One Trainer.fit epoch, continuing from the weights so far; epoch e shuffles with seed + e. */
        private void trainOneEpoch(int round) {
            Trainer trainer = new Trainer(network, TrainingConfig.of(1, BATCH, OptimiserSettings.sgd(LEARNING_RATE), SEED + round));
            long[] counters = new long[6];
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onBatch(int epoch, int batch, int batches, double loss) {
                    // from the end of the first batch to the end of the last: the batch loop alone
                    if (batch == 1) {
                        counters[0] = Counters.heapBytes();
                        counters[1] = Counters.nd4jObjects();
                        counters[2] = Counters.gcCount();
                    } else if (batch == batches) {
                        counters[3] = Counters.heapBytes();
                        counters[4] = Counters.nd4jObjects();
                        counters[5] = Counters.gcCount();
                    }
                }
            };
            TrainingResult result = trainer.fit(train, null, listener, () -> false);
            if (result.outcome() != TrainingOutcome.COMPLETED) {
                throw new IllegalStateException("training did not complete: " + result.outcome() + " " + result.failureReason());
            }
            EpochReport report = result.lastEpoch();
            epochs.add(report);
            int batches = (train.size() + BATCH - 1) / BATCH;
            if (round > 0) {
                heapBytes += counters[3] - counters[0];
                nd4jObjects += counters[4] - counters[1];
                gcs += counters[5] - counters[2];
                measuredBatches += batches - 1;
            }
            log(String.format(Locale.ROOT, "  epoch %d: %.2f s = %.0f samples/s, loss %.4f, accuracy %.4f%s", round + 1,
                    report.durationNanos() / 1e9, train.size() / (report.durationNanos() / 1e9), report.trainingLoss(),
                    report.trainingMetrics().getOrDefault("accuracy", Double.NaN), round == 0 ? " (warm-up)" : ""));
        }

        Training training(Dataset test) {
            int timed = epochs.size() - 1;
            double[] seconds = new double[timed];
            double[] rates = new double[timed];
            for (int e = 1; e < epochs.size(); e++) {
                seconds[e - 1] = epochs.get(e).durationNanos() / 1e9;
                rates[e - 1] = train.size() / seconds[e - 1];
            }
            EpochReport last = epochs.get(epochs.size() - 1);
            double testAccuracy = Trainer.evaluate(network, test).metrics().getOrDefault("accuracy", Double.NaN);
            return new Training(Stats.of(rates), seconds, epochs.get(0).durationNanos() / 1e9, last.trainingLoss(),
                    last.trainingMetrics().getOrDefault("accuracy", Double.NaN), testAccuracy,
                    heapBytes / (double) measuredBatches, nd4jObjects / (double) measuredBatches, measuredBatches, gcs);
        }

        Inference inference() {
            return new Inference(Timing.scaled(rate128, rate128.length, BATCH), Timing.scaled(rate1, rate1.length, 1));
        }

        /** Per-round figures of this setting, for the pairs against a peer. */
        Dl4jReport.EngineSide engineSide(ConfigResult config) {
            Training t = config.training();
            double[] rates = new double[t.epochSeconds().length];
            double[] samples128 = new double[rate128.length];
            double[] samples1 = new double[rate1.length];
            for (int i = 0; i < rates.length; i++) {
                rates[i] = train.size() / t.epochSeconds()[i];
                samples128[i] = rate128[i] * BATCH;
                samples1[i] = rate1[i];
            }
            return new Dl4jReport.EngineSide(setting.name, setting.description, effective.describe(), train.size(), rates,
                    t.warmUpSeconds(), samples128, samples1, EngineReport.gemmLimitSamplesPerSecond(config.gemm()),
                    t.finalLoss(), t.testAccuracy(), t.heapBytesPerBatch(), t.nd4jObjectsPerBatch());
        }
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
        System.err.flush();
    }
}
