package dev.chainrule.bench;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Chainrule's engine, DL4J and PyTorch side by side on the same MNIST workload (bench/README.md), in one run:
 * {@code bench/run.sh} (and {@code --quick} in CI). Everything runs in rounds; in each round every system, under
 * each of its thread settings, trains one epoch and runs one chunk of batch-128 and batch-1 inference, one after
 * the other, then the GEMM limit gets one chunk. Round 0 warms up; the timed rounds give each figure's median
 * (min - max), and each round's figures of two systems form a back-to-back pair whose ratio is taken per round.
 * Writes bench/results/YYYY-MM-DD-peers[-quick][-TAG].md and prints it.
 *
 * <p>Arguments: {@code --quick}; {@code --rounds N} (timed rounds, default 3); {@code --data DIR};
 * {@code --results DIR}; {@code --tag NAME}; {@code --peers LIST} (of engine is always run: dl4j, pytorch; default
 * both, {@code none} for the engine alone); {@code --python PATH} (default /usr/bin/python3: Debian's
 * python3-torch); {@code --command} and {@code --revision} are recorded as given.
 */
public final class PeerComparison {
    static final String ENGINE = "Chainrule";
    static final String DL4J = "DL4J";
    static final String PYTORCH = "PyTorch";

    /** A thread setting of the two Java systems, applied in-process before each of their blocks. */
    record ThreadSetting(String name, String description, int ompThreads, int blasThreads) {
    }

    /** One system under one setting, and its per-round figures (index 0 is the warm-up round). */
    static final class Contender {
        final String system;
        final String setting;
        final String description;
        final int blasThreads;
        final List<Double> training = new ArrayList<>();
        final List<Double> batch128 = new ArrayList<>();
        final List<Double> batch1 = new ArrayList<>();
        int trainingRows;
        double testAccuracy = Double.NaN;
        double finalLoss = Double.NaN;
        double heapBytesPerBatch = Double.NaN;
        double nd4jObjectsPerBatch = Double.NaN;
        String notes = "";

        Contender(String system, String setting, String description, int blasThreads) {
            this.system = system;
            this.setting = setting;
            this.description = description;
            this.blasThreads = blasThreads;
        }

        double[] timed(List<Double> values) {
            return values.subList(1, values.size()).stream().mapToDouble(Double::doubleValue).toArray();
        }

        String label() {
            return system + " " + setting;
        }
    }

    private final boolean quick;
    private final int timedRounds;
    private final Path data;
    private final Path resultsDir;
    private final String tag;
    private final String command;
    private final String revision;
    private final boolean dl4j;
    private final boolean pytorch;
    private final Path python;
    private final ZonedDateTime started = ZonedDateTime.now();

    PeerComparison(boolean quick, int timedRounds, Path data, Path resultsDir, String tag, String command,
                   String revision, boolean dl4j, boolean pytorch, Path python) {
        this.quick = quick;
        this.timedRounds = timedRounds;
        this.data = data;
        this.resultsDir = resultsDir;
        this.tag = tag;
        this.command = command;
        this.revision = revision;
        this.dl4j = dl4j;
        this.pytorch = pytorch;
        this.python = python;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Integer rounds = null;
        Path data = Path.of(System.getenv().getOrDefault("CHAINRULE_MNIST_DIR", "datasets/mnist"));
        Path results = Path.of("bench/results");
        String tag = null;
        String command = null;
        String revision = "unknown";
        String peers = "dl4j,pytorch";
        Path python = Path.of(System.getenv().getOrDefault("CHAINRULE_PYTHON", "/usr/bin/python3"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--full" -> quick = false;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--results" -> results = Path.of(args[++i]);
                case "--tag" -> tag = args[++i];
                case "--command" -> command = args[++i];
                case "--revision" -> revision = args[++i];
                case "--peers" -> peers = args[++i];
                case "--python" -> python = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (use --quick, --rounds N,"
                        + " --data DIR, --results DIR, --tag NAME, --peers dl4j,pytorch|none, --python PATH)");
            }
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String peer : peers.split(",")) {
            String p = peer.trim();
            if (!p.isEmpty() && !p.equals("none")) {
                if (!p.equals("dl4j") && !p.equals("pytorch")) {
                    throw new IllegalArgumentException("unknown peer " + p + " (known: dl4j, pytorch, none)");
                }
                wanted.add(p);
            }
        }
        new PeerComparison(quick, rounds == null ? 3 : rounds, data, results, tag,
                command == null ? "java dev.chainrule.bench.PeerComparison " + String.join(" ", args) : command,
                revision, wanted.contains("dl4j"), wanted.contains("pytorch"), python).run();
    }

    void run() throws IOException {
        long wallStart = System.nanoTime();
        int cores = Runtime.getRuntime().availableProcessors();
        log("side-by-side run, " + (quick ? "quick" : "full") + " mode, " + timedRounds + " timed rounds; MNIST from "
                + data.toAbsolutePath().normalize());
        Map<String, String> environment = EnvironmentInfo.collect();
        environment.put("ND4J/OpenBLAS threads at start", ComputeThreads.blasThreads() + " BLAS, "
                + NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads() + " OpenMP");

        Dataset all = MnistIdxReader.read(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        Dataset test = MnistIdxReader.read(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
        int rows = quick ? 12800 : all.size();
        Dataset train = rows == all.size() ? all : all.slice(0, rows);
        Plan plan = new Plan(quick ? "quick" : "full", rows, timedRounds, 0, 0, quick ? 100 : 500, 0, 0, 0, 0);
        double gemmChunkMillis = quick ? 20 : 100;

        List<ThreadSetting> settings = new ArrayList<>();
        settings.add(new ThreadSetting("omp1-blas" + cores, "1 ND4J (OpenMP) thread + " + cores
                + " OpenBLAS threads (the service with one worker)", 1, cores));
        if (!quick && cores > 1) {
            settings.add(new ThreadSetting("omp1-blas1", "1 ND4J (OpenMP) thread + 1 OpenBLAS thread (the service's"
                    + " per-job share with 2 workers on 2 cores)", 1, 1));
        }

        List<Contender> contenders = new ArrayList<>();
        List<EngineRun> engineRuns = new ArrayList<>();
        List<Dl4jPeer.Run> dl4jRuns = new ArrayList<>();
        List<Contender> dl4jContenders = new ArrayList<>();
        for (ThreadSetting s : settings) {
            apply(s);
            EngineRun run = new EngineRun(s, train, test, plan.inferenceChunkMillis());
            engineRuns.add(run);
            contenders.add(run.contender);
            if (dl4j) {
                dl4jRuns.add(new Dl4jPeer.Run(s.name(), plan, train));
                Contender c = new Contender(DL4J, s.name(), s.description(), s.blasThreads());
                dl4jContenders.add(c);
                contenders.add(c);
            }
        }
        List<PytorchPeer> workers = new ArrayList<>();
        List<Contender> pytorchContenders = new ArrayList<>();
        String pytorchSkipped = null;
        if (pytorch) {
            pytorchSkipped = PytorchPeer.unavailableReason(python);
            if (pytorchSkipped == null) {
                Path script = Path.of("bench/peers/pytorch/mnist_mlp.py");
                for (PytorchPeer.Setting s : pytorchSettings(cores)) {
                    log("starting the PyTorch worker '" + s.name() + "'");
                    workers.add(PytorchPeer.start(python, script, data, rows, quick ? 0.1 : 0.5, s));
                    pytorchContenders.add(new Contender(PYTORCH, s.name(), s.description(),
                            s.arguments().contains("--blas-threads") ? Integer.parseInt(
                                    s.arguments().get(s.arguments().indexOf("--blas-threads") + 1)) : cores));
                }
                contenders.addAll(pytorchContenders);
            } else {
                log("PyTorch peer skipped: " + pytorchSkipped);
            }
        } else {
            pytorchSkipped = "not asked for (--peers)";
        }
        Map<Integer, GemmLimit> limits = new java.util.TreeMap<>();
        for (ThreadSetting s : settings) {
            limits.computeIfAbsent(s.blasThreads(), k -> new GemmLimit());
        }

        List<String> loads = new ArrayList<>();
        try {
            for (int round = 0; round <= timedRounds; round++) {
                loads.add(EnvironmentInfo.loadAverage());
                log("round " + round + (round == 0 ? " (warm-up)" : "") + ", load " + loads.get(round));
                for (int i = 0; i < settings.size(); i++) {
                    ThreadSetting s = settings.get(i);
                    apply(s);
                    engineRuns.get(i).round(round);
                    if (dl4j) {
                        Dl4jPeer.Run run = dl4jRuns.get(i);
                        // DL4J's products are ND4J's, on OpenBLAS's own threads; the next apply sets 1 again
                        Nd4j.factory().blas().setMaxThreads(s.blasThreads());
                        run.round(round);
                        Contender c = dl4jContenders.get(i);
                        c.training.add(run.train.size() / run.epochSeconds.get(round));
                        c.batch128.add(round == 0 ? Double.NaN : run.rate128[round - 1] * EngineBenchmark.BATCH);
                        c.batch1.add(round == 0 ? Double.NaN : run.rate1[round - 1]);
                    }
                }
                for (int w = 0; w < workers.size(); w++) {
                    var reply = workers.get(w).round();
                    Contender c = pytorchContenders.get(w);
                    c.training.add(reply.path("samples_per_s").asDouble());
                    c.batch128.add(reply.path("b128").asDouble());
                    c.batch1.add(reply.path("b1").asDouble());
                    log(String.format(Locale.ROOT, "  PyTorch '%s' epoch %d: %.0f samples/s, loss %.4f", c.setting,
                            round + 1, reply.path("samples_per_s").asDouble(), reply.path("loss").asDouble()));
                }
                for (ThreadSetting s : settings) {
                    GemmLimit limit = limits.get(s.blasThreads());
                    if (limit != null) {
                        apply(s);
                        if (round == 0) {
                            limit.calibrate(gemmChunkMillis);
                        } else {
                            limit.round();
                        }
                    }
                }
            }
            loads.add(EnvironmentInfo.loadAverage());
            for (int i = 0; i < settings.size(); i++) {
                apply(settings.get(i));
                engineRuns.get(i).finish();
                if (dl4j) {
                    Dl4jPeer.Result result = dl4jRuns.get(i).result(test);
                    Contender c = dl4jContenders.get(i);
                    c.trainingRows = result.trainingRows();
                    c.testAccuracy = result.testAccuracy();
                    c.finalLoss = result.finalLoss();
                    c.heapBytesPerBatch = result.heapBytesPerBatch();
                    c.nd4jObjectsPerBatch = result.nd4jObjectsPerBatch();
                }
            }
            for (int w = 0; w < workers.size(); w++) {
                var finish = workers.get(w).finish();
                Contender c = pytorchContenders.get(w);
                c.trainingRows = workers.get(w).trainingRows();
                c.testAccuracy = finish.path("test_accuracy").asDouble();
                var last = workers.get(w).rounds().get(workers.get(w).rounds().size() - 1);
                c.finalLoss = last.path("loss").asDouble();
                var gemm = finish.path("gemm");
                if (!gemm.isMissingNode() && !gemm.isNull()) {
                    c.notes = String.format(Locale.ROOT, "torch.mm GEMM limit %.0f samples/s",
                            gemm.path("limit_samples_per_s").asDouble());
                }
            }
        } finally {
            workers.forEach(PytorchPeer::close);
        }
        environment.put("load average at end", EnvironmentInfo.loadAverage());
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        Report.Run run = new Report.Run(started, command, revision, wallSeconds, environment, loads);
        String report = new ComparisonReport(quick, run, rows, settings, contenders, limits, workers, pytorchSkipped,
                dl4j).markdown();
        Files.createDirectories(resultsDir);
        String name = started.format(DateTimeFormatter.ISO_LOCAL_DATE) + "-peers" + (quick ? "-quick" : "")
                + (tag == null ? "" : "-" + tag) + ".md";
        Path file = resultsDir.resolve(name);
        Files.writeString(file, report);
        System.out.println(report);
        log("wrote " + file);
    }

    /** PyTorch's configurations: its best here (1 intra-op + all cores to OpenBLAS), and 1 + 1 in a full run. */
    private List<PytorchPeer.Setting> pytorchSettings(int cores) {
        List<PytorchPeer.Setting> out = new ArrayList<>();
        out.add(new PytorchPeer.Setting("omp1-blas" + cores, "1 intra-op (OpenMP) + " + cores
                + " OpenBLAS threads (its best here, issue 5)", List.of("--threads", "1", "--blas-threads",
                String.valueOf(cores)), Map.of()));
        if (!quick && cores > 1) {
            out.add(new PytorchPeer.Setting("omp1-blas1", "1 intra-op + 1 OpenBLAS thread",
                    List.of("--threads", "1", "--blas-threads", "1"), Map.of()));
        }
        return out;
    }

    /** The engine under one thread setting: a training network that keeps learning, an inference one. */
    private static final class EngineRun {
        final ThreadSetting setting;
        final Contender contender;
        final Dataset train;
        final Dataset test;
        final double chunkMillis;
        final Network network = Network.initialised(EngineBenchmark.mlp(), EngineBenchmark.SEED);
        final Network inference = Network.initialised(EngineBenchmark.mlp(), EngineBenchmark.SEED);
        final INDArray x128;
        final INDArray x1;
        long calls128;
        long calls1;
        long heapBytes;
        long nd4jObjects;
        long batches;

        EngineRun(ThreadSetting setting, Dataset train, Dataset test, double chunkMillis) {
            this.setting = setting;
            this.contender = new Contender(ENGINE, setting.name(), setting.description(), setting.blasThreads());
            this.train = train;
            this.test = test;
            this.chunkMillis = chunkMillis;
            contender.trainingRows = train.size();
            x128 = test.features().get(NDArrayIndex.interval(0, EngineBenchmark.BATCH), NDArrayIndex.all()).dup('c');
            x1 = test.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup('c');
        }

        /** One Trainer.fit epoch (epoch e shuffles with seed + e), then one chunk of each inference batch size. */
        void round(int round) {
            long[] counters = new long[4];
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onBatch(int epoch, int batch, int batchesPlanned, double loss) {
                    // from the end of the first batch to the end of the last: the batch loop alone
                    if (batch == 1) {
                        counters[0] = Counters.heapBytes();
                        counters[1] = Counters.nd4jObjects();
                    } else if (batch == batchesPlanned) {
                        counters[2] = Counters.heapBytes();
                        counters[3] = Counters.nd4jObjects();
                    }
                }
            };
            TrainingResult result = new Trainer(network, TrainingConfig.of(1, EngineBenchmark.BATCH,
                    OptimiserSettings.sgd(EngineBenchmark.LEARNING_RATE), EngineBenchmark.SEED + round))
                    .fit(train, null, listener, () -> false);
            if (result.outcome() != TrainingOutcome.COMPLETED) {
                throw new IllegalStateException("training did not complete: " + result.outcome());
            }
            EpochReport report = result.history().get(result.history().size() - 1);
            double rate = train.size() / (report.durationNanos() / 1e9);
            contender.training.add(rate);
            contender.finalLoss = report.trainingLoss();
            if (round > 0) {
                heapBytes += counters[2] - counters[0];
                nd4jObjects += counters[3] - counters[1];
                batches += (train.size() + EngineBenchmark.BATCH - 1) / EngineBenchmark.BATCH - 1;
            }
            log(String.format(Locale.ROOT, "  Chainrule '%s' epoch %d: %.0f samples/s, loss %.4f", setting.name(),
                    round + 1, rate, report.trainingLoss()));
            Runnable forward128 = () -> inference.forward(x128);
            Runnable forward1 = () -> inference.forward(x1);
            if (round == 0) {
                calls128 = Timing.calibrate(forward128, chunkMillis);
                calls1 = Timing.calibrate(forward1, chunkMillis);
                contender.batch128.add(Double.NaN);
                contender.batch1.add(Double.NaN);
            } else {
                contender.batch128.add(Timing.chunk(forward128, calls128) * EngineBenchmark.BATCH);
                contender.batch1.add(Timing.chunk(forward1, calls1));
            }
        }

        void finish() {
            contender.testAccuracy = Trainer.evaluate(network, test).metrics().getOrDefault("accuracy", Double.NaN);
            contender.heapBytesPerBatch = batches == 0 ? Double.NaN : heapBytes / (double) batches;
            contender.nd4jObjectsPerBatch = batches == 0 ? Double.NaN : nd4jObjects / (double) batches;
        }
    }

    /**
     * OpenMP's count on this thread (what libnd4j's loops use, DL4J's included) and OpenBLAS's for the process,
     * as the service sets them (ComputeThreads), plus libnd4j's maxMasterThreads for DL4J.
     */
    private static void apply(ThreadSetting setting) {
        // the engine: OpenBLAS single-threaded, this thread's products split over blasThreads (its Trainer.fit
        // runs on all of them by default, as a lone job does in the service)
        ComputeThreads.configure(setting.ompThreads(), setting.blasThreads());
        ComputeThreads.useShare(setting.blasThreads());
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(setting.ompThreads());
        Nd4j.getEnvironment().setMaxMasterThreads(setting.ompThreads());
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
        System.err.flush();
    }
}
