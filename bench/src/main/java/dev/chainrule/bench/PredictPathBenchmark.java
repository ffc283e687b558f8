package dev.chainrule.bench;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.layer.FullyConnectedLayer;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.OnnxExport;
import dev.chainrule.engine.model.Predictor;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The service's predict path in process (engine.model.Predictor, the class PredictionService pools: float32
 * standardisation, the sparse first layer for a lone digit, the layers) beside ONNX Runtime for Java on the engine's
 * own ONNX export of the same model (standardisation in the graph) and PyTorch on the same weights
 * ((x - mean) / std, then nn.Sequential), at batch 1 and 128, each under its thread settings; Network.forward on an
 * already standardised batch is the bare forward pass it wraps. Everything runs in rounds (round 0 warms up and sizes
 * the chunks), every contender one chunk per batch size per round, the order turned round every other round; the
 * results give medians, and per round the ratios to each peer's best setting of that round.
 *
 * <p>Arguments: --data DIR (MNIST), --rounds N (timed, default 7), --chunk-ms M (default 300), --python PATH,
 * --results DIR, --tag NAME, --command TEXT, --revision TEXT.
 */
public final class PredictPathBenchmark {
    static final int WIDTH = 784;
    static final int[] BATCHES = {1, 128};
    /** Rows the calls cycle through: 4 batches of 128, or 512 single digits. */
    static final int ROWS = 512;

    /** Something timed: a contender under one thread setting. */
    interface Contender {
        String system();

        String setting();

        /** Calls that fill about {@code millis} at this batch size (warming up first). */
        long calibrate(int batch, double millis) throws IOException;

        /** Samples/s over {@code calls} calls. */
        double chunk(int batch, long calls) throws IOException;

        /**
         * CPU time per call of the last chunk, in microseconds: the calling thread's for the Java contenders, the
         * worker process's for PyTorch. With one thread of everything it is the work itself, which a loaded machine
         * disturbs far less than the wall-clock rate (it still shares the caches).
         */
        double lastCpuMicrosPerCall();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        Path data = Path.of(options.getOrDefault("--data", "datasets/mnist"));
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "7"));
        double chunkMillis = Double.parseDouble(options.getOrDefault("--chunk-ms", "300"));
        Path python = Path.of(options.getOrDefault("--python", "/usr/bin/python3"));
        Path results = Path.of(options.getOrDefault("--results", "bench/results"));
        String tag = options.containsKey("--tag") ? "-" + options.get("--tag") : "";

        String uptimeStart = PredictPathReport.run("uptime");
        Map<String, String> environment = EnvironmentInfo.collect();
        log("training the MNIST model (784-256-128-10, 12,800 rows, 2 epochs) and exporting it");
        TrainedModel model = trainedModel(data);
        float[] rows = MnistIdxReader.readImages(data.resolve("t10k-images-idx3-ubyte.gz"), DataType.FLOAT)
                .get(NDArrayIndex.interval(0, ROWS)).dup('c').data().asFloat();
        ByteArrayOutputStream onnx = new ByteArrayOutputStream();
        OnnxExport.write(model, "mnist", Map.of(), onnx);

        List<Contender> contenders = new ArrayList<>();
        Predictor predictor = Predictor.of(model);
        for (int threads : new int[] {1, 2}) {
            contenders.add(new EngineContender("Chainrule Predictor.predict", threads, predictor, rows));
        }
        for (int threads : new int[] {1, 2}) {
            contenders.add(new BareForward(threads, model, rows));
        }
        List<OrtPredictor> sessions = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            OrtPredictor ort = new OrtPredictor(onnx.toByteArray(), threads, WIDTH, 10);
            sessions.add(ort);
            contenders.add(new OrtContender(threads, ort, rows));
        }
        PytorchPredictPeer torch = PytorchPredictPeer.startIfAvailable(python, model, rows);
        if (torch != null) {
            contenders.add(torch.setting(1, 1));
            contenders.add(torch.setting(1, 2));
            contenders.add(torch.setting(2, 2));
        }
        String checks = PredictPathReport.checkAgreement(predictor, sessions, torch, rows);
        log(checks);

        // round 0 warms up and sizes the chunks; then every contender, every batch size, each round
        Map<String, long[]> calls = new LinkedHashMap<>();
        Map<String, double[][]> rates = new LinkedHashMap<>();
        Map<String, double[][]> cpu = new LinkedHashMap<>();
        for (Contender c : contenders) { // the report lists them in this order
            calls.put(c.system() + " | " + c.setting(), new long[BATCHES.length]);
            rates.put(c.system() + " | " + c.setting(), new double[BATCHES.length][rounds]);
            cpu.put(c.system() + " | " + c.setting(), new double[BATCHES.length][rounds]);
        }
        List<String> loads = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            List<Contender> order = new ArrayList<>(contenders);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (Contender c : order) {
                String key = c.system() + " | " + c.setting();
                long[] n = calls.get(key);
                double[][] r = rates.get(key);
                for (int b = 0; b < BATCHES.length; b++) {
                    if (round == 0) {
                        n[b] = c.calibrate(BATCHES[b], chunkMillis);
                    } else {
                        r[b][round - 1] = c.chunk(BATCHES[b], n[b]);
                        cpu.get(key)[b][round - 1] = c.lastCpuMicrosPerCall();
                    }
                }
            }
            if (round > 0) {
                loads.add(EnvironmentInfo.loadAverage().replace(" (1, 5, 15 min)", ""));
                log(String.format(Locale.ROOT, "round %d done, load %s", round, loads.get(loads.size() - 1)));
            }
        }
        String uptimeEnd = PredictPathReport.run("uptime");
        if (torch != null) {
            environment.putAll(torch.environment());
            torch.close();
        }
        for (OrtPredictor ort : sessions) {
            ort.close();
        }
        environment.put("ONNX Runtime", OrtPredictor.version() + " (com.microsoft.onnxruntime:onnxruntime, Java)");
        environment.put("model accuracy on MNIST's test set", String.format(Locale.ROOT, "%.4f", Trainer.evaluate(
                model.network(), standardisedTest(data, model)).metrics().getOrDefault("accuracy", Double.NaN)));
        String report = new PredictPathReport(options.getOrDefault("--command", "bench/run.sh --predict"),
                options.getOrDefault("--revision", "unknown"), Instant.now(), environment, uptimeStart, uptimeEnd,
                PredictPathReport.run("lscpu"), checks, torch == null ? PytorchPredictPeer.unavailable(python) : null,
                rounds, chunkMillis, rates, cpu, loads).markdown();
        Files.createDirectories(results);
        Path out = results.resolve(java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "-predict-path" + tag + ".md");
        Files.writeString(out, report);
        System.out.println(report);
        log("wrote " + out);
        System.exit(0); // ORT's and OpenBLAS's threads are not daemons
    }

    /** 784-256-128-10 with ReLU, ReLU, softmax, trained 2 epochs on 12,800 standardised rows, as a job would be. */
    static TrainedModel trainedModel(Path data) throws IOException {
        ComputeThreads.configure(1, Runtime.getRuntime().availableProcessors());
        Dataset train = MnistIdxReader.read(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"), DataType.FLOAT).slice(0, 12800);
        Standardiser standardiser = Standardiser.fit(train.features());
        Dataset standardised = new Dataset(standardiser.apply(train.features()), train.targets());
        NetworkDefinition definition = new NetworkDefinition(WIDTH, List.of(new LayerSpec(256, Activation.RELU),
                new LayerSpec(128, Activation.RELU), new LayerSpec(10, Activation.SOFTMAX)), LossKind.CROSS_ENTROPY,
                WeightInitialiser.HE);
        Network network = Network.initialised(definition, 42);
        new Trainer(network, TrainingConfig.of(2, 128, OptimiserSettings.sgd(0.1), 42)).fit(standardised);
        return new TrainedModel(network, standardiser);
    }

    private static Dataset standardisedTest(Path data, TrainedModel model) throws IOException {
        Dataset test = MnistIdxReader.read(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
        return new Dataset(model.standardise(test.features()), test.targets());
    }

    /** The rows as separate arrays of {@code batch} rows each: a call reads its own rows from the start. */
    static float[][] batches(float[] rows, int batch) {
        float[][] out = new float[ROWS / batch][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(rows, i * batch * WIDTH, (i + 1) * batch * WIDTH);
        }
        return out;
    }

    static void log(String message) {
        System.err.println("[bench-predict] " + message);
    }

    /** A Java contender: one call is one batch, cycling through the rows. */
    abstract static class JavaContender implements Contender {
        private final Map<Integer, float[][]> batches = new LinkedHashMap<>();
        private final float[] rows;
        private int next;
        private double cpuMicros = Double.NaN;
        static volatile Object sink;

        JavaContender(float[] rows) {
            this.rows = rows;
        }

        /** Applies this contender's thread setting (process-wide for OpenBLAS: before every chunk). */
        abstract void threads();

        abstract Object call(float[] batch, int rowCount);

        private Runnable caller(int batch) {
            float[][] all = batches.computeIfAbsent(batch, b -> batches(rows, b));
            return () -> {
                next = (next + 1) % all.length;
                sink = call(all[next], batch);
            };
        }

        @Override
        public long calibrate(int batch, double millis) {
            threads();
            return Timing.calibrate(caller(batch), millis);
        }

        @Override
        public double chunk(int batch, long calls) {
            threads();
            java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu = bean.getCurrentThreadCpuTime();
            double rate = Timing.chunk(caller(batch), calls) * batch;
            cpuMicros = (bean.getCurrentThreadCpuTime() - cpu) / 1e3 / calls;
            return rate;
        }

        @Override
        public double lastCpuMicrosPerCall() {
            return cpuMicros;
        }
    }

    /** The service's predict path: Predictor.predict, under 1 OpenMP thread and N OpenBLAS threads. */
    static final class EngineContender extends JavaContender {
        private final String system;
        private final int threads;
        private final Predictor predictor;

        EngineContender(String system, int threads, Predictor predictor, float[] rows) {
            super(rows);
            this.system = system;
            this.threads = threads;
            this.predictor = predictor;
        }

        public String system() {
            return system;
        }

        public String setting() {
            return threads + (threads == 1 ? " thread" : " threads (the engine's split)");
        }

        void threads() {
            ComputeThreads.configure(1, threads);
            ComputeThreads.useShare(threads); // what the service gives a predict while no job trains
        }

        Object call(float[] batch, int rowCount) {
            return predictor.predict(batch, rowCount);
        }
    }

    /** Network.forward on rows standardised beforehand: the bare forward pass the path wraps (a reference). */
    static final class BareForward extends JavaContender {
        private final int threads;
        private final Network network;
        private final Map<float[], INDArray> standardised = new java.util.IdentityHashMap<>();
        private final TrainedModel model;

        BareForward(int threads, TrainedModel model, float[] rows) {
            super(rows);
            this.threads = threads;
            this.model = model;
            this.network = model.network().replica();
        }

        public String system() {
            return "Chainrule Network.forward (bare)";
        }

        public String setting() {
            return threads + (threads == 1 ? " thread" : " threads (the engine's split)");
        }

        void threads() {
            ComputeThreads.configure(1, threads);
            ComputeThreads.useShare(threads); // what the service gives a predict while no job trains
        }

        Object call(float[] batch, int rowCount) {
            INDArray x = standardised.computeIfAbsent(batch,
                    b -> model.standardise(Nd4j.create(b, new long[] {rowCount, WIDTH}, 'c')).dup('c'));
            return network.forward(x);
        }
    }

    /** ONNX Runtime on the exported model, N intra-op threads. */
    static final class OrtContender extends JavaContender {
        private final int threads;
        private final OrtPredictor ort;

        OrtContender(int threads, OrtPredictor ort, float[] rows) {
            super(rows);
            this.threads = threads;
            this.ort = ort;
        }

        public String system() {
            return "ONNX Runtime " + OrtPredictor.version();
        }

        public String setting() {
            return threads + " intra-op " + (threads == 1 ? "thread" : "threads");
        }

        void threads() {
            // fixed by the session
        }

        Object call(float[] batch, int rowCount) {
            return ort.predict(batch, 0, rowCount);
        }
    }

    static byte[] littleEndian(float[]... arrays) {
        int n = Arrays.stream(arrays).mapToInt(a -> a.length).sum();
        ByteBuffer out = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] a : arrays) {
            out.asFloatBuffer().put(a);
            out.position(out.position() + a.length * Float.BYTES);
        }
        return out.array();
    }

    static float[] floats(FullyConnectedLayer layer, boolean weights) {
        return (weights ? layer.weights() : layer.bias()).dup('c').data().asFloat();
    }
}
