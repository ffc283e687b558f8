package dev.chainrule.bench;

import dev.chainrule.bench.EngineBenchmark.ThreadState;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EpochOrder;
import dev.chainrule.engine.training.MinibatchRows;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J peer (issue 5): the engine benchmark's network as a DL4J 1.0.0-M2.1 {@link MultiLayerNetwork}
 * (784-256-128-10, ReLU, ReLU, softmax output with MCXENT, He init ({@code WeightInit.RELU}: N(0, 2 / nIn)),
 * float32, {@code Sgd(0.1)}, minibatch 128, no regularisation, default workspaces), trained and timed the way
 * {@link EngineBenchmark} times the engine, on the same MNIST rows under the same thread setting, right after
 * the engine's block of each round, so each round gives one Chainrule/DL4J pair per measure.
 *
 * <p>DL4J trains through its own {@code fit(DataSetIterator)}, one call per epoch. The iterator ({@link Batches})
 * shuffles exactly like {@code Trainer} (same permutation for the same seed and epoch) and gathers rows with the
 * engine's own {@link MinibatchRows#gather}, on the training thread ({@code asyncSupported() == false}: no
 * prefetch thread, whose OpenMP pool the in-process thread settings would not reach). The two systems get the
 * same batches at the same input cost, so the ratio is the training step's.
 */
final class Dl4jPeer {
    static final String NAME = "dl4j";
    /** Minibatches per DL4J epoch in quick mode (CI): 16 x 3 rounds x 3 thread settings = 144 batches in all. */
    static final int QUICK_BATCHES = 16;

    private Dl4jPeer() {
    }

    /** Rows per DL4J epoch: the engine's in a full run, the first {@link #QUICK_BATCHES} batches' in quick mode. */
    static int trainingRows(Plan plan, int engineRows) {
        return plan.mode().equals("quick") ? Math.min(engineRows, QUICK_BATCHES * EngineBenchmark.BATCH) : engineRows;
    }

    /** The benchmark's MLP in DL4J's terms. */
    static MultiLayerConfiguration configuration(long seed) {
        int[] w = EngineBenchmark.WIDTHS;
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(EngineBenchmark.LEARNING_RATE))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(w[0]).nOut(w[1]).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(w[1]).nOut(w[2]).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(w[2]).nOut(w[3])
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    static MultiLayerNetwork network(long seed) {
        MultiLayerNetwork network = new MultiLayerNetwork(configuration(seed));
        network.init();
        return network;
    }

    /**
     * That both sides compute the same thing: DL4J's network given the engine's initial parameters, then one
     * forward pass and one SGD step on the same batch by each.
     */
    record Equivalence(double outputMaxAbsDiff, double engineLoss, double dl4jLoss, double parametersMaxAbsDiff,
                       double stepMaxAbs) {
        boolean agrees() {
            return outputMaxAbsDiff < 1e-4 && Math.abs(engineLoss - dl4jLoss) < 1e-4 * Math.max(1, engineLoss)
                    && parametersMaxAbsDiff < 1e-4;
        }
    }

    static Equivalence checkAgainstEngine(Dataset train) {
        Network engine = Network.initialised(EngineBenchmark.mlp(), EngineBenchmark.SEED);
        MultiLayerNetwork dl4j = network(EngineBenchmark.SEED);
        List<Parameter> parameters = engine.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            INDArray target = dl4j.getParam(dl4jKey(i));
            target.assign(parameters.get(i).value().reshape(target.shape()));
        }
        INDArray x = train.features().get(NDArrayIndex.interval(0, EngineBenchmark.BATCH), NDArrayIndex.all()).dup('c');
        INDArray y = train.targets().get(NDArrayIndex.interval(0, EngineBenchmark.BATCH), NDArrayIndex.all()).dup('c');
        double outputDiff = dl4j.output(x).sub(engine.forward(x)).amaxNumber().doubleValue();
        double engineLoss = engine.computeGradients(x, y);
        double step = 0;
        for (Parameter p : parameters) {
            INDArray update = p.gradient().mul(EngineBenchmark.LEARNING_RATE);
            step = Math.max(step, update.amaxNumber().doubleValue());
            p.value().subi(update);
        }
        dl4j.fit(new DataSet(x, y));
        double dl4jLoss = dl4j.score();
        double paramDiff = 0;
        for (int i = 0; i < parameters.size(); i++) {
            INDArray mine = parameters.get(i).value();
            INDArray theirs = dl4j.getParam(dl4jKey(i)).reshape(mine.shape());
            paramDiff = Math.max(paramDiff, theirs.sub(mine).amaxNumber().doubleValue());
        }
        return new Equivalence(outputDiff, engineLoss, dl4jLoss, paramDiff, step);
    }

    /** The engine's parameters come as W, b per dense layer; DL4J names them "layer_W", "layer_b". */
    private static String dl4jKey(int engineParameterIndex) {
        return (engineParameterIndex / 2) + (engineParameterIndex % 2 == 0 ? "_W" : "_b");
    }

    /** Threads of the JVM (live, and their names) and of the process (/proc/self/task: OpenMP, OpenBLAS, JVM). */
    record ThreadCensus(int jvmThreads, int processThreads, TreeSet<String> names) {
        static ThreadCensus now() {
            TreeSet<String> names = new TreeSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                names.add(t.getName());
            }
            int process = -1;
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                process = (int) tasks.count();
            } catch (Exception e) {
                // not Linux: leave -1
            }
            return new ThreadCensus(ManagementFactory.getThreadMXBean().getThreadCount(), process, names);
        }

        /** Names present now but not in {@code before}. */
        TreeSet<String> newSince(ThreadCensus before) {
            TreeSet<String> added = new TreeSet<>(names);
            added.removeAll(before.names);
            return added;
        }
    }

    record Result(String setting, ThreadState effectiveAfter, int trainingRows, Stats samplesPerSecond,
                  double[] trainingRates, double[] epochSeconds, double warmUpSeconds, double finalLoss,
                  double testAccuracy, double heapBytesPerBatch, double nd4jObjectsPerBatch, long measuredBatches,
                  long gcCount, Stats batch128, double[] rates128, Stats batch1, double[] rates1, double secondsSpent) {
    }

    /** One thread setting's DL4J network and inference inputs, measured round by round like EngineBenchmark.Run. */
    static final class Run {
        final String setting;
        final Plan plan;
        final Dataset train;
        final MultiLayerNetwork network = network(EngineBenchmark.SEED);
        final Batches batches;
        final EpochCounters counters;
        final INDArray x128;
        final INDArray x1;
        final List<Double> epochSeconds = new ArrayList<>();
        final List<Double> epochLosses = new ArrayList<>();
        final double[] rate128;
        final double[] rate1;
        long calls128;
        long calls1;
        long heapBytes;
        long nd4jObjects;
        long measuredBatches;
        long gcs;
        long nanosSpent;

        Run(String setting, Plan plan, Dataset engineTrain) {
            this.setting = setting;
            this.plan = plan;
            int rows = trainingRows(plan, engineTrain.size());
            this.train = rows == engineTrain.size() ? engineTrain : engineTrain.slice(0, rows);
            this.batches = new Batches(train, EngineBenchmark.BATCH);
            this.counters = new EpochCounters(batches);
            network.setListeners(counters);
            x128 = train.features().get(NDArrayIndex.interval(0, EngineBenchmark.BATCH), NDArrayIndex.all()).dup('c');
            x1 = train.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup('c');
            rate128 = new double[plan.timedEpochs()];
            rate1 = new double[plan.timedEpochs()];
        }

        /** One epoch of fit (seed + round, like the engine's), then the inference chunks; round 0 calibrates. */
        void round(int round) {
            long start = System.nanoTime();
            counters.reset();
            long t0 = System.nanoTime();
            batches.startEpoch(EngineBenchmark.SEED + round, 1);
            network.fit(batches);
            double seconds = (System.nanoTime() - t0) / 1e9;
            epochSeconds.add(seconds);
            epochLosses.add(counters.meanLoss());
            if (round > 0) {
                heapBytes += counters.heapAtLast - counters.heapAtFirst;
                nd4jObjects += counters.objectsAtLast - counters.objectsAtFirst;
                gcs += counters.gcAtLast - counters.gcAtFirst;
                measuredBatches += batches.batches() - 1;
            }
            EngineBenchmark.log(String.format(Locale.ROOT, "  DL4J epoch %d: %.2f s = %.0f samples/s, loss %.4f%s",
                    round + 1, seconds, train.size() / seconds, counters.meanLoss(), round == 0 ? " (warm-up)" : ""));
            Runnable forward128 = () -> network.output(x128);
            Runnable forward1 = () -> network.output(x1);
            if (round == 0) {
                calls128 = Timing.calibrate(forward128, plan.inferenceChunkMillis());
                calls1 = Timing.calibrate(forward1, plan.inferenceChunkMillis());
            } else {
                rate128[round - 1] = Timing.chunk(forward128, calls128);
                rate1[round - 1] = Timing.chunk(forward1, calls1);
            }
            nanosSpent += System.nanoTime() - start;
        }

        Result result(Dataset test) {
            long start = System.nanoTime();
            int timed = epochSeconds.size() - 1;
            double[] seconds = new double[timed];
            double[] rates = new double[timed];
            for (int e = 1; e < epochSeconds.size(); e++) {
                seconds[e - 1] = epochSeconds.get(e);
                rates[e - 1] = train.size() / seconds[e - 1];
            }
            Evaluation evaluation = network.evaluate(new Batches(test, 1000));
            nanosSpent += System.nanoTime() - start;
            double[] samples128 = scale(rate128, EngineBenchmark.BATCH);
            double[] samples1 = scale(rate1, 1);
            return new Result(setting, ThreadState.read(), train.size(), Stats.of(rates), rates, seconds,
                    epochSeconds.get(0), epochLosses.get(epochLosses.size() - 1), evaluation.accuracy(),
                    heapBytes / (double) measuredBatches, nd4jObjects / (double) measuredBatches, measuredBatches, gcs,
                    Stats.of(samples128), samples128, Stats.of(samples1), samples1, nanosSpent / 1e9);
        }

        private static double[] scale(double[] callsPerSecond, int samplesPerCall) {
            double[] out = new double[callsPerSecond.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = callsPerSecond[i] * samplesPerCall;
            }
            return out;
        }
    }

    /**
     * The epoch's mean loss (DL4J's score of each minibatch, weighted by its rows) and the allocation counters
     * from the end of the first batch to the end of the last, read on the training thread as in EngineBenchmark.
     * {@code iterationDone} comes after the parameter update.
     */
    static final class EpochCounters extends BaseTrainingListener {
        private final Batches batches;
        private int seen;
        private double lossSum;
        private long rows;
        long heapAtFirst;
        long objectsAtFirst;
        long gcAtFirst;
        long heapAtLast;
        long objectsAtLast;
        long gcAtLast;

        EpochCounters(Batches batches) {
            this.batches = batches;
        }

        void reset() {
            seen = 0;
            lossSum = 0;
            rows = 0;
        }

        double meanLoss() {
            return lossSum / rows;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            seen++;
            lossSum += model.score() * batches.lastBatchRows();
            rows += batches.lastBatchRows();
            if (seen == 1) {
                heapAtFirst = Counters.heapBytes();
                objectsAtFirst = Counters.nd4jObjects();
                gcAtFirst = Counters.gcCount();
            } else if (seen == batches.batches()) {
                heapAtLast = Counters.heapBytes();
                objectsAtLast = Counters.nd4jObjects();
                gcAtLast = Counters.gcCount();
            }
        }
    }

    /**
     * Minibatches of a dataset for DL4J's fit and evaluate: shuffled by {@link #startEpoch} with Trainer's
     * permutation, or in order; rows gathered into reused buffers by the engine's {@link MinibatchRows#gather}.
     * Synchronous: DL4J would otherwise prefetch on a second thread.
     */
    static final class Batches implements DataSetIterator {
        private final Dataset data;
        private final int batch;
        private final int[] order;
        private final ReusedArray features = new ReusedArray();
        private final ReusedArray targets = new ReusedArray();
        private int cursor;
        private int lastBatchRows;

        Batches(Dataset data, int batch) {
            if (data.features().isView() || data.features().ordering() != 'c'
                    || data.targets().isView() || data.targets().ordering() != 'c') {
                throw new IllegalArgumentException("Batches reads contiguous row-major matrices");
            }
            this.data = data;
            this.batch = batch;
            this.order = new int[data.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }

        /** Trainer's permutation for TrainingConfig seed {@code seed} and epoch {@code epoch}; rewinds. */
        void startEpoch(long seed, int epoch) {
            EpochOrder.fill(order, true, seed, epoch);
            cursor = 0;
        }

        int batches() {
            return (order.length + batch - 1) / batch;
        }

        int lastBatchRows() {
            return lastBatchRows;
        }

        @Override
        public boolean hasNext() {
            return cursor < order.length;
        }

        @Override
        public DataSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int to = Math.min(order.length, cursor + batch);
            INDArray x = MinibatchRows.gather(data.features(), order, cursor, to, features);
            INDArray y = MinibatchRows.gather(data.targets(), order, cursor, to, targets);
            lastBatchRows = to - cursor;
            cursor = to;
            return new DataSet(x, y);
        }

        @Override
        public DataSet next(int num) {
            throw new UnsupportedOperationException("fixed minibatch size " + batch);
        }

        @Override
        public int inputColumns() {
            return (int) data.features().columns();
        }

        @Override
        public int totalOutcomes() {
            return (int) data.targets().columns();
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        /** Back to the first batch, same order (DL4J calls this only when nothing is left). */
        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException("no preprocessing: pixels are already / 255");
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }
    }
}
