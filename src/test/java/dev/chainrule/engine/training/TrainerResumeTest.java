package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.CsvTable;
import dev.chainrule.dataset.DatasetSplit;
import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.TestArrays;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.model.CheckpointFile;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.optim.OptimiserSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run stopped after epoch k and resumed from that epoch's checkpoint, written to bytes by CheckpointFile and
 * read back into a fresh network and trainer, ends exactly as the run that never stopped: the same parameter
 * bits, history (but for wall times), best epoch and outcome, and it hands out the same later checkpoints.
 * Each scenario is resumed from its first, a middle, its last but one and its last checkpoint.
 *
 * <p>The fresh network is initialised from another seed, so any parameter the resume did not set would show.
 * Bit equality is the claim (not closeness): the resumed run makes the very same floating-point operations in
 * the same order on the same values, so anything less than equal bits is a bug.
 */
class TrainerResumeTest {
    private static Dataset irisTrain;
    private static Dataset irisValidation;

    @BeforeAll
    static void readIris() throws Exception {
        CsvTable table = CsvDatasetReader.lastColumnAsTarget().read(TestDatasets.file("iris/iris.csv"));
        DatasetSplit split = DatasetSplit.stratified(table.classIds(), 0.2, 41L);
        Dataset all = table.classificationDataset(DataType.FLOAT);
        Dataset train = split.train(all);
        Dataset test = split.test(all);
        Standardiser standardiser = Standardiser.fit(train.features());
        irisTrain = new Dataset(standardiser.apply(train.features()), train.targets());
        irisValidation = new Dataset(standardiser.apply(test.features()), test.targets());
    }

    /**
     * One training run to interrupt: a network maker (seeded, so a fresh copy is identical), its
     * configuration and data.
     */
    record Scenario(String name, java.util.function.LongFunction<Network> network, TrainingConfig config,
                    Supplier<Dataset> training, Supplier<Dataset> validation) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final double[][][] REGRESSION = TrainerFixtures.regressionData(60, 301);
    private static final double[][][] REGRESSION_VALIDATION = TrainerFixtures.regressionData(20, 302);

    private static Network iris(long seed) {
        NetworkDefinition definition = new NetworkDefinition(4,
                List.of(new LayerSpec(8, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        return Network.initialised(definition, seed);
    }

    /** The early-stopping scenario of TrainerEarlyStoppingTest: validation loss falls, then rises. */
    private static final double[][] LINEAR_X;
    private static final double[][] LINEAR_VALIDATION_X;

    static {
        SplittableRandom random = new SplittableRandom(161);
        LINEAR_X = TestArrays.uniform(random, 20, 1, -1, 1);
        LINEAR_VALIDATION_X = TestArrays.uniform(random, 10, 1, -1, 1);
    }

    /** y-hat = s x + b from s = 0, b = 0 whatever the seed (a missed restore still shows: b and s move at once). */
    private static Network linear(long seed) {
        NetworkDefinition definition = new NetworkDefinition(1, List.of(new LayerSpec(1, Activation.LINEAR)),
                LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        Network network = Network.create(definition, DataType.DOUBLE, LossKind.DEFAULT_EPSILON);
        network.initialise(seed);
        network.denseLayers().get(0).weights().assign(0);
        return network;
    }

    private static Dataset linearTraining() {
        double[][] y = new double[LINEAR_X.length][1];
        for (int t = 0; t < y.length; t++) {
            y[t][0] = 2 * LINEAR_X[t][0];
        }
        return new Dataset(TestArrays.nd(LINEAR_X), TestArrays.nd(y));
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("sgd, regression, float32, validation, L2", seed -> TrainerFixtures.regressionNetwork(DataType.FLOAT, seed),
                        TrainingConfig.of(8, 7, OptimiserSettings.sgd(0.1), 5).withRegularisation(0, 1e-3),
                        () -> TrainerFixtures.dataset(REGRESSION, DataType.FLOAT),
                        () -> TrainerFixtures.dataset(REGRESSION_VALIDATION, DataType.FLOAT)),
                new Scenario("momentum, regression, float64, validation, L1", seed -> TrainerFixtures.regressionNetwork(DataType.DOUBLE, seed),
                        TrainingConfig.of(8, 8, OptimiserSettings.momentum(0.05, 0.9), 6).withRegularisation(1e-3, 0),
                        () -> TrainerFixtures.dataset(REGRESSION, DataType.DOUBLE),
                        () -> TrainerFixtures.dataset(REGRESSION_VALIDATION, DataType.DOUBLE)),
                new Scenario("adam, iris, float32, validation", TrainerResumeTest::iris,
                        TrainingConfig.of(6, 24, OptimiserSettings.adam(0.01), 7),
                        () -> irisTrain, () -> irisValidation),
                new Scenario("adam, iris, no validation", TrainerResumeTest::iris,
                        TrainingConfig.of(5, 40, OptimiserSettings.adam(0.02), 8),
                        () -> irisTrain, () -> null),
                new Scenario("momentum, early stopping restoring the best epoch", TrainerResumeTest::linear,
                        TrainingConfig.of(30, 5, OptimiserSettings.momentum(0.05, 0.5), 9)
                                .withEarlyStopping(new EarlyStopping(3, 0, true)),
                        TrainerResumeTest::linearTraining,
                        () -> new Dataset(TestArrays.nd(LINEAR_VALIDATION_X), TestArrays.nd(LINEAR_VALIDATION_X))),
                new Scenario("adam, iris, early stopping restoring the best epoch, minDelta", TrainerResumeTest::iris,
                        TrainingConfig.of(40, 24, OptimiserSettings.adam(0.05), 10)
                                .withEarlyStopping(new EarlyStopping(2, 1e-3, true)),
                        () -> irisTrain, () -> irisValidation),
                new Scenario("sgd, early stopping keeping the last epoch", TrainerResumeTest::linear,
                        TrainingConfig.of(30, 10, OptimiserSettings.sgd(0.2), 11).withShuffle(false)
                                .withEarlyStopping(new EarlyStopping(2, 0, false)),
                        TrainerResumeTest::linearTraining,
                        () -> new Dataset(TestArrays.nd(LINEAR_VALIDATION_X), TestArrays.nd(LINEAR_VALIDATION_X))));
    }

    /** Keeps every checkpoint it is given. */
    static class CheckpointLog implements TrainingListener {
        final List<TrainingCheckpoint> checkpoints = new ArrayList<>();

        @Override
        public boolean wantsCheckpoint(int epoch) {
            return true;
        }

        @Override
        public void onCheckpoint(TrainingCheckpoint checkpoint) {
            checkpoints.add(checkpoint);
        }
    }

    private record Run(TrainingResult result, Network network, List<TrainingCheckpoint> checkpoints) {
    }

    private static Run uninterrupted(Scenario s) {
        Network network = s.network().apply(1);
        CheckpointLog log = new CheckpointLog();
        TrainingResult result = new Trainer(network, s.config()).fit(s.training().get(), s.validation().get(), log, () -> false);
        return new Run(result, network, log.checkpoints);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void resumingFromEveryCheckpointThroughAFileEndsBitIdentical(Scenario s) throws IOException {
        Run reference = uninterrupted(s);
        assertThat(reference.result().outcome()).isIn(TrainingOutcome.COMPLETED, TrainingOutcome.EARLY_STOPPED);
        assertThat(reference.checkpoints()).as("one checkpoint per finished epoch")
                .hasSize(reference.result().history().size());
        if (s.config().earlyStopping() != null) {
            assertThat(reference.result().outcome()).as("the scenario stops early").isEqualTo(TrainingOutcome.EARLY_STOPPED);
            assertThat(reference.result().bestEpoch()).as("and the best epoch is not the last")
                    .isLessThan(reference.result().history().size());
        }

        // listening for checkpoints does not change the run
        Network quiet = s.network().apply(1);
        TrainingResult quietResult = new Trainer(quiet, s.config()).fit(s.training().get(), s.validation().get(),
                TrainingListener.NONE, () -> false);
        assertSameEnd(quietResult, quiet, reference);

        // from the first, a middle, the last but one and the last epoch (each resume costs a run's remainder)
        int n = reference.checkpoints().size();
        for (int k : java.util.stream.IntStream.of(1, (n + 1) / 2, n - 1, n).filter(e -> e >= 1).distinct().toArray()) {
            TrainingCheckpoint checkpoint = reference.checkpoints().get(k - 1);
            Network fresh = s.network().apply(1000 + k);
            TrainingCheckpoint read = CheckpointFile.read(new ByteArrayInputStream(bytes(checkpoint)), fresh);
            CheckpointLog later = new CheckpointLog();
            TrainingResult resumed = new Trainer(fresh, s.config()).fit(s.training().get(), s.validation().get(), later,
                    () -> false, read);

            assertSameEnd(resumed, fresh, reference);
            assertThat(resumed.history().subList(0, k)).as("the first %d epochs come from the checkpoint, wall times too", k)
                    .isEqualTo(reference.result().history().subList(0, k));
            List<TrainingCheckpoint> expectedLater = reference.checkpoints().subList(k, reference.checkpoints().size());
            assertThat(later.checkpoints).hasSize(expectedLater.size());
            for (int i = 0; i < expectedLater.size(); i++) {
                assertSameCheckpoint(later.checkpoints.get(i), expectedLater.get(i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aListenerGetsOnlyTheCheckpointsItWantsAndTheyAreTheUninterruptedRunsOwn(Scenario s) throws IOException {
        Run reference = uninterrupted(s);
        Network network = s.network().apply(1);
        List<Integer> asked = new ArrayList<>();
        CheckpointLog everyThird = new CheckpointLog() {
            @Override
            public boolean wantsCheckpoint(int epoch) {
                asked.add(epoch);
                return epoch % 3 == 0;
            }
        };
        TrainingResult result = new Trainer(network, s.config()).fit(s.training().get(), s.validation().get(), everyThird,
                () -> false);
        assertSameEnd(result, network, reference);
        int epochs = reference.result().history().size();
        assertThat(asked).as("asked once per epoch").isEqualTo(java.util.stream.IntStream.rangeClosed(1, epochs).boxed().toList());
        assertThat(everyThird.checkpoints).extracting(TrainingCheckpoint::epochsCompleted)
                .isEqualTo(java.util.stream.IntStream.rangeClosed(1, epochs).filter(e -> e % 3 == 0).boxed().toList());
        for (TrainingCheckpoint checkpoint : everyThird.checkpoints) {
            assertSameCheckpoint(checkpoint, reference.checkpoints().get(checkpoint.epochsCompleted() - 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aRunCancelledMidEpochResumesFromTheLastCheckpoint(Scenario s) throws IOException {
        Run reference = uninterrupted(s);
        int epochs = reference.result().history().size();
        int k = epochs / 2;
        int batchesPerEpoch = (s.training().get().size() + s.config().batchSize() - 1) / s.config().batchSize();
        int cancelAfter = k * batchesPerEpoch + Math.max(1, batchesPerEpoch / 2);

        Network network = s.network().apply(1);
        Trainer trainer = new Trainer(network, s.config());
        CheckpointLog log = new CheckpointLog();
        int[] batches = {0};
        TrainingListener counting = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
                batches[0]++;
            }

            @Override
            public boolean wantsCheckpoint(int epoch) {
                return true;
            }

            @Override
            public void onCheckpoint(TrainingCheckpoint checkpoint) {
                log.onCheckpoint(checkpoint);
            }
        };
        TrainingResult cancelled = trainer.fit(s.training().get(), s.validation().get(), counting,
                () -> batches[0] >= cancelAfter);
        assertThat(cancelled.outcome()).isEqualTo(TrainingOutcome.CANCELLED);
        assertThat(cancelled.history()).hasSize(k);
        assertThat(log.checkpoints).hasSize(k);
        assertThat(bits(network)).as("the cancelled run is part-way through epoch %d", k + 1)
                .isNotEqualTo(bits(log.checkpoints.get(k - 1).parameters()));

        // the same trainer and network, left mid-epoch with the optimiser past the checkpoint, continue from it
        TrainingCheckpoint last = CheckpointFile.read(new ByteArrayInputStream(bytes(log.checkpoints.get(k - 1))), network);
        TrainingResult resumed = trainer.fit(s.training().get(), s.validation().get(), TrainingListener.NONE, () -> false, last);
        assertSameEnd(resumed, network, reference);
    }

    @Test
    void aCheckpointOfAnotherRunIsRefused() {
        Scenario adam = scenarios().filter(s -> s.name().startsWith("adam, iris, float32")).findFirst().orElseThrow();
        TrainingCheckpoint checkpoint = uninterrupted(adam).checkpoints().get(2);
        Dataset training = adam.training().get();

        Trainer momentum = new Trainer(iris(1), TrainingConfig.of(6, 24, OptimiserSettings.momentum(0.01, 0.9), 7));
        assertThatThrownBy(() -> momentum.fit(training, null, TrainingListener.NONE, () -> false, checkpoint))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ADAM").hasMessageContaining("MOMENTUM");

        Trainer shorter = new Trainer(iris(1), TrainingConfig.of(2, 24, OptimiserSettings.adam(0.01), 7));
        assertThatThrownBy(() -> shorter.fit(training, null, TrainingListener.NONE, () -> false, checkpoint))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after epoch 3").hasMessageContaining("2 epochs");

        Network wider = Network.initialised(new NetworkDefinition(4,
                List.of(new LayerSpec(9, Activation.TANH), new LayerSpec(3, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER), 1);
        Trainer other = new Trainer(wider, adam.config());
        assertThatThrownBy(() -> other.fit(training, null, TrainingListener.NONE, () -> false, checkpoint))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer1.W");

        Trainer restoringBest = new Trainer(iris(1), adam.config().withEarlyStopping(new EarlyStopping(2, 0, true)));
        assertThatThrownBy(() -> restoringBest.fit(training, irisValidation, TrainingListener.NONE, () -> false, checkpoint))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no best parameters");
    }

    private static byte[] bytes(TrainingCheckpoint checkpoint) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFile.write(checkpoint, out);
        return out.toByteArray();
    }

    private static void assertSameEnd(TrainingResult actual, Network network, Run expected) {
        assertThat(actual.outcome()).isEqualTo(expected.result().outcome());
        assertThat(actual.bestEpoch()).isEqualTo(expected.result().bestEpoch());
        assertThat(actual.failureReason()).isEqualTo(expected.result().failureReason());
        assertThat(withoutWallTimes(actual.history())).isEqualTo(withoutWallTimes(expected.result().history()));
        assertThat(bits(network)).isEqualTo(bits(expected.network()));
    }

    private static void assertSameCheckpoint(TrainingCheckpoint actual, TrainingCheckpoint expected) {
        assertThat(actual.epochsCompleted()).isEqualTo(expected.epochsCompleted());
        assertThat(bits(actual.parameters())).isEqualTo(bits(expected.parameters()));
        assertThat(actual.optimiser().kind()).isEqualTo(expected.optimiser().kind());
        assertThat(actual.optimiser().steps()).isEqualTo(expected.optimiser().steps());
        assertThat(bits(actual.optimiser().arrays())).isEqualTo(bits(expected.optimiser().arrays()));
        assertThat(actual.best().loss()).isEqualTo(expected.best().loss());
        assertThat(actual.best().epoch()).isEqualTo(expected.best().epoch());
        assertThat(actual.best().epochsWithoutImprovement()).isEqualTo(expected.best().epochsWithoutImprovement());
        if (expected.best().parameters() == null) {
            assertThat(actual.best().parameters()).isNull();
        } else {
            assertThat(bits(actual.best().parameters())).isEqualTo(bits(expected.best().parameters()));
        }
        assertThat(withoutWallTimes(actual.history())).isEqualTo(withoutWallTimes(expected.history()));
    }

    private static List<EpochReport> withoutWallTimes(List<EpochReport> history) {
        return history.stream().map(r -> new EpochReport(r.epoch(), r.trainingLoss(), r.trainingMetrics(),
                r.validationLoss(), r.validationMetrics(), 0)).toList();
    }

    /** Every parameter's values as raw IEEE 754 bits, "name=[bits...]", so equality means bit equality. */
    private static List<String> bits(Network network) {
        Map<String, INDArray> values = new java.util.LinkedHashMap<>();
        for (Parameter p : network.parameters()) {
            values.put(p.name(), p.value());
        }
        return bits(values);
    }

    private static List<String> bits(Map<String, INDArray> arrays) {
        List<String> out = new ArrayList<>();
        arrays.forEach((name, array) -> {
            StringBuilder line = new StringBuilder(name).append(' ').append(array.dataType()).append('=');
            if (array.dataType() == DataType.DOUBLE) {
                for (double v : array.dup('c').data().asDouble()) {
                    line.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(',');
                }
            } else {
                for (float v : array.dup('c').data().asFloat()) {
                    line.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
                }
            }
            out.add(line.toString());
        });
        return out;
    }
}
