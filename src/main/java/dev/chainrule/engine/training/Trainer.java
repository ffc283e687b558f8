package dev.chainrule.engine.training;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.Regularisation;
import dev.chainrule.engine.kernel.ReusedArray;
import dev.chainrule.engine.optim.Optimiser;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Minibatch gradient descent over epochs (seeds 003 and 004): for each shuffled minibatch, a forward and
 * backward pass, the regulariser's gradient, one optimiser step. Validation, early stopping, progress
 * callbacks, cooperative cancellation and divergence detection wrap around that loop.
 *
 * <p>The loop allocates nothing per batch that a reused buffer could hold: minibatches are gathered into
 * two fixed arrays and every layer writes into its own buffers.
 */
public final class Trainer {
    /** Rows per forward pass when evaluating a whole dataset, so memory stays bounded. */
    static final int EVALUATION_CHUNK = 4096;

    private final Network network;
    private final TrainingConfig config;
    private final Optimiser optimiser;
    private final Regularisation regularisation;
    private final ReusedArray batchFeatures = new ReusedArray();
    private final ReusedArray batchTargets = new ReusedArray();
    /** This run's share of the engine's threads, read before every minibatch. */
    private IntSupplier threads = ComputeThreads::totalThreads;

    public Trainer(Network network, TrainingConfig config) {
        this.network = network;
        this.config = config;
        this.optimiser = config.optimiser().create();
        this.regularisation = new Regularisation(config.l1(), config.l2());
    }

    /**
     * The threads this run's matrix products may use, asked again before every minibatch so that a change (another
     * job starting or ending) takes effect at the next one; by default every thread ({@link ComputeThreads}).
     */
    public Trainer withThreads(IntSupplier threads) {
        this.threads = threads;
        return this;
    }

    /** Trains without validation data, listener or cancellation. */
    public TrainingResult fit(Dataset training) {
        return fit(training, null, TrainingListener.NONE, () -> false);
    }

    /**
     * Trains the network in place.
     *
     * @param validation may be null; required for early stopping
     * @param cancelled  polled before every minibatch
     */
    public TrainingResult fit(Dataset training, Dataset validation, TrainingListener listener, BooleanSupplier cancelled) {
        return fit(training, validation, listener, cancelled, null);
    }

    /**
     * Trains the network in place, from the start or from a checkpoint: given one taken by a run with the same
     * configuration and data, it sets the network's parameters and the optimiser's state from it, continues
     * with the epoch after it, and ends as that run would have (same parameters, history and result).
     *
     * @param resumeFrom null to start at epoch 1
     */
    public TrainingResult fit(Dataset training, Dataset validation, TrainingListener listener, BooleanSupplier cancelled,
                              TrainingCheckpoint resumeFrom) {
        int shareBefore = ComputeThreads.shareOfCurrentThread();
        try {
            return train(training, validation, listener, cancelled, resumeFrom);
        } finally {
            ComputeThreads.useShare(shareBefore);
        }
    }

    private TrainingResult train(Dataset training, Dataset validation, TrainingListener listener, BooleanSupplier cancelled,
                                 TrainingCheckpoint resumeFrom) {
        checkData(training, "training");
        if (validation != null) {
            checkData(validation, "validation");
        }
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null && validation == null) {
            throw new IllegalArgumentException("early stopping watches the validation loss: give validation data");
        }
        ComputeThreads.applyToCurrentThread();
        DataType type = network.dataType();
        Dataset typed = training.castTo(type);
        Dataset train = new Dataset(contiguous(typed.features()), contiguous(typed.targets()));
        Dataset valid = validation == null ? null : validation.castTo(type);

        int rows = train.size();
        int batchSize = Math.min(config.batchSize(), rows);
        int batches = (rows + batchSize - 1) / batchSize;
        int[] order = new int[rows];
        List<EpochReport> history = new ArrayList<>();
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int epochsWithoutImprovement = 0;
        List<INDArray> bestParameters = null;
        int firstEpoch = 1;
        if (resumeFrom != null) {
            resume(resumeFrom);
            history.addAll(resumeFrom.history());
            bestLoss = resumeFrom.best().loss();
            bestEpoch = resumeFrom.best().epoch();
            epochsWithoutImprovement = resumeFrom.best().epochsWithoutImprovement();
            if (stopping != null && stopping.restoreBest()) {
                bestParameters = new ArrayList<>(resumeFrom.best().parameters().values());
            }
            firstEpoch = resumeFrom.epochsCompleted() + 1;
        }

        for (int epoch = firstEpoch; ; epoch++) {
            // asked before each epoch, so that a checkpoint whose own epoch ended the run ends a resumed one alike
            if (stopping != null && epochsWithoutImprovement >= stopping.patience()) {
                if (bestParameters != null) {
                    network.restore(bestParameters);
                }
                return new TrainingResult(TrainingOutcome.EARLY_STOPPED, history, bestEpoch, null);
            }
            if (epoch > config.epochs()) {
                break;
            }
            long started = System.nanoTime();
            EpochOrder.fill(order, config.shuffle(), config.shuffleSeed(), epoch);
            MetricAccumulator trainingMetrics = new MetricAccumulator(network.definition().loss());
            double lossSum = 0;
            for (int b = 0; b < batches; b++) {
                if (cancelled.getAsBoolean()) {
                    return new TrainingResult(TrainingOutcome.CANCELLED, history, bestEpoch, null);
                }
                ComputeThreads.useShare(threads.getAsInt());
                int from = b * batchSize;
                int to = Math.min(rows, from + batchSize);
                INDArray x = MinibatchRows.gather(train.features(), order, from, to, batchFeatures);
                INDArray y = MinibatchRows.gather(train.targets(), order, from, to, batchTargets);
                double batchLoss = network.computeGradients(x, y);
                if (!Double.isFinite(batchLoss)) {
                    return diverged(history, bestEpoch, epoch, b + 1, batchLoss);
                }
                trainingMetrics.add(network.lastOutput(), y);
                regularisation.addGradients(network.parameters());
                optimiser.step(network.parameters());
                lossSum += batchLoss * (to - from);
                listener.onBatch(epoch, b + 1, batches, batchLoss);
            }
            double penalty = regularisation.isActive() ? regularisation.penalty(network.parameters()) : 0;
            double trainingLoss = lossSum / rows + penalty;
            if (!Double.isFinite(trainingLoss)) {
                return diverged(history, bestEpoch, epoch, batches, trainingLoss);
            }
            Double validationLoss = null;
            java.util.Map<String, Double> validationMetrics = java.util.Map.of();
            if (valid != null) {
                Evaluation evaluation = evaluate(network, valid);
                validationLoss = evaluation.loss() + penalty;
                validationMetrics = evaluation.metrics();
                if (!Double.isFinite(validationLoss)) {
                    // reported before any epoch carrying a non-number, so histories hold numbers only
                    return diverged(history, bestEpoch, epoch, batches, validationLoss);
                }
            }
            EpochReport report = new EpochReport(epoch, trainingLoss, trainingMetrics.result(), validationLoss,
                    validationMetrics, System.nanoTime() - started);
            history.add(report);
            listener.onEpoch(report);

            double monitored = validationLoss != null ? validationLoss : trainingLoss;
            if (!Double.isFinite(monitored)) {
                return diverged(history, bestEpoch, epoch, batches, monitored);
            }
            double minDelta = stopping == null ? 0 : stopping.minDelta();
            if (monitored < bestLoss - minDelta) {
                bestLoss = monitored;
                bestEpoch = epoch;
                epochsWithoutImprovement = 0;
                if (stopping != null && stopping.restoreBest()) {
                    bestParameters = network.snapshot();
                }
            } else {
                epochsWithoutImprovement++;
            }
            if (listener.wantsCheckpoint(epoch)) {
                listener.onCheckpoint(new TrainingCheckpoint(epoch, named(network.snapshot()), optimiser.state(),
                        new TrainingCheckpoint.BestSoFar(bestLoss, bestEpoch, epochsWithoutImprovement,
                                bestParameters == null ? null : named(bestParameters)),
                        history));
            }
        }
        if (bestParameters != null && bestEpoch != config.epochs()) {
            network.restore(bestParameters);
        }
        return new TrainingResult(TrainingOutcome.COMPLETED, history, bestEpoch, null);
    }

    /** Sets the network and optimiser from a checkpoint after checking that it belongs to this run. */
    private void resume(TrainingCheckpoint checkpoint) {
        if (checkpoint.epochsCompleted() > config.epochs()) {
            throw new IllegalArgumentException("the checkpoint is after epoch " + checkpoint.epochsCompleted()
                    + " but this run has " + config.epochs() + " epochs");
        }
        EarlyStopping stopping = config.earlyStopping();
        if (stopping != null && stopping.restoreBest() && checkpoint.best().parameters() == null) {
            throw new IllegalArgumentException("early stopping restores the best epoch, but the checkpoint has no best parameters");
        }
        for (java.util.Map<String, INDArray> arrays : java.util.Arrays.asList(checkpoint.parameters(), checkpoint.best().parameters())) {
            if (arrays != null) {
                checkArrays(arrays);
            }
        }
        checkpoint.optimiser().requireFits(network.parameters());
        optimiser.restore(checkpoint.optimiser());
        network.restore(new ArrayList<>(checkpoint.parameters().values()));
    }

    /** Fails unless the arrays are the network's parameters by name, in order, with their shapes and type. */
    private void checkArrays(java.util.Map<String, INDArray> arrays) {
        List<String> names = network.parameters().stream().map(dev.chainrule.engine.Parameter::name).toList();
        if (!new ArrayList<>(arrays.keySet()).equals(names)) {
            throw new IllegalArgumentException("the checkpoint has the parameters " + arrays.keySet() + "; the network has " + names);
        }
        for (dev.chainrule.engine.Parameter p : network.parameters()) {
            INDArray actual = arrays.get(p.name());
            if (!java.util.Arrays.equals(actual.shape(), p.value().shape()) || actual.dataType() != p.value().dataType()) {
                throw new IllegalArgumentException("checkpoint array " + p.name() + " is " + actual.dataType() + " "
                        + java.util.Arrays.toString(actual.shape()) + "; the network's is " + p.value().dataType() + " "
                        + java.util.Arrays.toString(p.value().shape()));
            }
        }
    }

    /** Arrays in parameters() order, keyed by the parameters' names. */
    private java.util.Map<String, INDArray> named(List<INDArray> arrays) {
        java.util.Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < arrays.size(); i++) {
            out.put(network.parameters().get(i).name(), arrays.get(i));
        }
        return out;
    }

    /** Mean objective (without penalty) and the task's metrics over a whole dataset, in bounded chunks. */
    public static Evaluation evaluate(Network network, Dataset data) {
        Dataset typed = data.castTo(network.dataType());
        MetricAccumulator metrics = new MetricAccumulator(network.definition().loss());
        double lossSum = 0;
        int rows = typed.size();
        for (int from = 0; from < rows; from += EVALUATION_CHUNK) {
            int to = Math.min(rows, from + EVALUATION_CHUNK);
            INDArray x = rowRange(typed.features(), from, to);
            INDArray y = rowRange(typed.targets(), from, to);
            INDArray predicted = network.forward(x);
            lossSum += network.lossFunction().value(predicted, y) * (to - from);
            metrics.add(predicted, y);
        }
        return new Evaluation(lossSum / rows, metrics.result());
    }

    /** A dataset's mean loss and metrics. */
    public record Evaluation(double loss, java.util.Map<String, Double> metrics) {
    }

    private static INDArray rowRange(INDArray matrix, int from, int to) {
        if (from == 0 && to == matrix.rows()) {
            return matrix;
        }
        return matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
    }

    /** The matrix itself when it is contiguous and row-major, else such a copy: what the gather reads. */
    private static INDArray contiguous(INDArray matrix) {
        return matrix.isView() || matrix.ordering() != 'c' ? matrix.dup('c') : matrix;
    }

    private TrainingResult diverged(List<EpochReport> history, int bestEpoch, int epoch, int batch, double loss) {
        String reason = "training diverged: the loss became " + loss + " at epoch " + epoch + ", batch " + batch
                + "; try a lower learning rate, standardised inputs or a different initialiser";
        return new TrainingResult(TrainingOutcome.DIVERGED, history, bestEpoch, reason);
    }

    private static void checkData(Dataset data, String what) {
        if (data.size() == 0) {
            throw new IllegalArgumentException(what + " data is empty");
        }
    }
}
