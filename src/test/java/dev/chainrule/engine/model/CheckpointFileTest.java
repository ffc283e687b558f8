package dev.chainrule.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.EarlyStopping;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingCheckpoint;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checkpoints of real training runs through a file and back: every number survives bit for bit, the layout is
 * the documented one, and damaged or mismatched files are refused with a reason.
 */
class CheckpointFileTest {
    private static final NetworkDefinition DEFINITION = new NetworkDefinition(3,
            List.of(new LayerSpec(5, Activation.TANH), new LayerSpec(2, Activation.SOFTMAX)),
            LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);

    @TempDir
    Path directory;

    private static Network network(DataType type, long seed) {
        Network network = Network.create(DEFINITION, type, LossKind.DEFAULT_EPSILON);
        network.initialise(seed);
        return network;
    }

    /** rows x 3 inputs and a 2-class label: whether x0 + x1 x2 > 0, with one label in five flipped. */
    private static Dataset data(int rows, long seed, DataType type) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[rows][3];
        int[] labels = new int[rows];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < 3; j++) {
                x[t][j] = random.nextDouble(-1, 1);
            }
            labels[t] = (x[t][0] + x[t][1] * x[t][2] > 0) != (random.nextInt(5) == 0) ? 1 : 0;
        }
        return new Dataset(Nd4j.createFromArray(x).castTo(type), Dataset.oneHot(labels, 2, type));
    }

    /** The checkpoint after epoch {@code epoch} of a short real run. */
    private static TrainingCheckpoint checkpoint(DataType type, TrainingConfig config, int epoch) {
        List<TrainingCheckpoint> checkpoints = new ArrayList<>();
        new Trainer(network(type, 7), config).fit(data(40, 1, type), data(20, 2, type), new TrainingListener() {
            @Override
            public boolean wantsCheckpoint(int epoch) {
                return true;
            }

            @Override
            public void onCheckpoint(TrainingCheckpoint checkpoint) {
                checkpoints.add(checkpoint);
            }
        }, () -> false);
        return checkpoints.get(epoch - 1);
    }

    private static TrainingConfig adamRestoringBest() {
        return TrainingConfig.of(4, 8, OptimiserSettings.adam(0.05), 3).withEarlyStopping(new EarlyStopping(10, 0, true));
    }

    private static byte[] write(TrainingCheckpoint checkpoint) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFile.write(checkpoint, out);
        return out.toByteArray();
    }

    private static TrainingCheckpoint read(byte[] bytes, Network network) throws IOException {
        return CheckpointFile.read(new ByteArrayInputStream(bytes), network);
    }

    @Test
    void roundTripThroughAFileKeepsEveryBit() throws IOException {
        List<TrainingConfig> configs = List.of(adamRestoringBest(),
                TrainingConfig.of(3, 8, OptimiserSettings.momentum(0.1, 0.9), 4),
                TrainingConfig.of(3, 8, OptimiserSettings.sgd(0.1), 5));
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            for (TrainingConfig config : configs) {
                TrainingCheckpoint original = checkpoint(type, config, 3);
                Path file = directory.resolve("checkpoint-" + type + "-" + config.optimiser().kind() + ".bin");
                try (OutputStream out = Files.newOutputStream(file)) {
                    CheckpointFile.write(original, out);
                }
                TrainingCheckpoint loaded;
                try (InputStream in = Files.newInputStream(file)) {
                    loaded = CheckpointFile.read(in, network(type, 99));
                }
                String what = type + " " + config.optimiser().kind();
                assertThat(loaded.epochsCompleted()).as(what).isEqualTo(3);
                assertSameBits(loaded.parameters(), original.parameters());
                assertThat(loaded.optimiser().kind()).isEqualTo(config.optimiser().kind());
                assertThat(loaded.optimiser().steps()).isEqualTo(original.optimiser().steps());
                assertSameBits(loaded.optimiser().arrays(), original.optimiser().arrays());
                assertThat(loaded.best().loss()).isEqualTo(original.best().loss());
                assertThat(loaded.best().epoch()).isEqualTo(original.best().epoch());
                assertThat(loaded.best().epochsWithoutImprovement()).isEqualTo(original.best().epochsWithoutImprovement());
                if (config.earlyStopping() != null) {
                    assertSameBits(loaded.best().parameters(), original.best().parameters());
                } else {
                    assertThat(loaded.best().parameters()).isNull();
                }
                // records compare their doubles exactly, and durations are part of it
                assertThat(loaded.history()).as(what).isEqualTo(original.history());
            }
        }
        assertThat(checkpoint(DataType.FLOAT, adamRestoringBest(), 3).optimiser().steps()).as("5 batches x 3 epochs").isEqualTo(15);
    }

    @Test
    void numbersJsonCannotHoldRoundTripAsStrings() throws IOException {
        TrainingCheckpoint real = checkpoint(DataType.FLOAT, adamRestoringBest(), 2);
        List<EpochReport> history = new ArrayList<>(real.history());
        EpochReport last = history.get(1);
        history.set(1, new EpochReport(2, last.trainingLoss(), Map.of("r2", Double.NaN, "mse", Double.POSITIVE_INFINITY),
                last.validationLoss(), Map.of("r2", Double.NEGATIVE_INFINITY), last.durationNanos()));
        TrainingCheckpoint odd = new TrainingCheckpoint(2, real.parameters(), real.optimiser(), real.best(), history);
        TrainingCheckpoint loaded = read(write(odd), network(DataType.FLOAT, 1));
        assertThat(loaded.history()).isEqualTo(history);
    }

    @Test
    void fileLayoutIsTheModelFilesWithItsOwnMagic() throws IOException {
        TrainingCheckpoint checkpoint = checkpoint(DataType.FLOAT, adamRestoringBest(), 2);
        byte[] bytes = write(checkpoint);
        assertThat(new String(bytes, 0, 16, StandardCharsets.US_ASCII)).isEqualTo("CHAINRULE-CHKPT\n");
        String header = headerOf(bytes);
        int headerLength = header.getBytes(StandardCharsets.UTF_8).length;
        assertThat(header).contains("\"format\":\"chainrule-checkpoint\"", "\"formatVersion\":1", "\"dataType\":\"float32\"",
                "\"epochsCompleted\":2", "\"kind\":\"adam\"", "\"steps\":10");
        List<String> names = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\":\"([^\"]+)\"").matcher(header);
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).containsExactly("parameters/layer1.W", "parameters/layer1.b", "parameters/layer2.W", "parameters/layer2.b",
                "optimiser/layer1.W/m", "optimiser/layer1.W/v", "optimiser/layer1.b/m", "optimiser/layer1.b/v",
                "optimiser/layer2.W/m", "optimiser/layer2.W/v", "optimiser/layer2.b/m", "optimiser/layer2.b/v",
                "best/layer1.W", "best/layer1.b", "best/layer2.W", "best/layer2.b");
        long parameterValues = DEFINITION.parameterCount();
        assertThat(bytes.length).isEqualTo(20 + headerLength + 4 * parameterValues * Float.BYTES);
        // the first array is layer1.W (3 x 5), row-major; the first optimiser array is layer1.W's m
        INDArray w = checkpoint.parameters().get("layer1.W");
        ByteBuffer values = ByteBuffer.wrap(bytes, 20 + headerLength, bytes.length - 20 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(values.getFloat()).isEqualTo(w.getFloat(0, 0));
        assertThat(values.getFloat()).isEqualTo(w.getFloat(0, 1));
        float firstM = values.getFloat(20 + headerLength + (int) parameterValues * Float.BYTES);
        assertThat(firstM).isEqualTo(checkpoint.optimiser().array("layer1.W", "m").getFloat(0, 0));
    }

    @Test
    void damagedOrMismatchedFilesAreRefusedWithAReason() throws IOException {
        byte[] good = write(checkpoint(DataType.FLOAT, adamRestoringBest(), 3));
        Network network = network(DataType.FLOAT, 1);

        assertRefused(Arrays.copyOf(good, good.length - 3), network, "ends inside best/layer2.b");
        assertRefused(Arrays.copyOf(good, good.length / 2), network, "ends inside");
        assertRefused(Arrays.copyOf(good, 10), network, "ends inside magic");
        assertRefused(Arrays.copyOf(good, good.length + 1), network, "after the last array");

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 'X';
        assertRefused(wrongMagic, network, "not a Chainrule checkpoint file");
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        ModelFile.write(new TrainedModel(network, null), model);
        assertRefused(model.toByteArray(), network, "not a Chainrule checkpoint file");

        byte[] hugeHeader = good.clone();
        ByteBuffer.wrap(hugeHeader, 16, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE);
        assertRefused(hugeHeader, network, "header length");

        String header = headerOf(good);
        assertRefused(replaceHeader(good, header.substring(1)), network, "not valid JSON");
        assertRefused(replaceHeader(good, header.replace("\"formatVersion\":1", "\"formatVersion\":2")), network, "version 2");
        assertRefused(replaceHeader(good, header.replace("\"adam\"", "\"rmsprop\"")), network, "invalid header");
        assertRefused(replaceHeader(good, header.replace("\"epochsCompleted\":3", "\"epochsCompleted\":4")), network,
                "inconsistent checkpoint");
        assertRefused(replaceHeader(good, header.replace("{\"name\":\"best/layer2.b\",\"shape\":[1,2]},", "")
                .replace(",{\"name\":\"best/layer2.b\",\"shape\":[1,2]}", "")), network, "header lists 15 arrays");

        assertRefused(good, network(DataType.DOUBLE, 1), "the checkpoint holds float32 arrays; the network computes in float64");
        Network wider = Network.initialised(new NetworkDefinition(3,
                List.of(new LayerSpec(6, Activation.TANH), new LayerSpec(2, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER), 1);
        assertRefused(good, wider, "expected parameters/layer1.W of shape [3, 6]");
    }

    private static void assertRefused(byte[] bytes, Network network, String reason) {
        assertThatThrownBy(() -> read(bytes, network)).isInstanceOf(CheckpointFile.InvalidCheckpointFileException.class)
                .hasMessageContaining(reason);
    }

    private static void assertSameBits(Map<String, INDArray> actual, Map<String, INDArray> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        Map<String, double[]> a = new LinkedHashMap<>();
        Map<String, double[]> e = new LinkedHashMap<>();
        // float32 to float64 is exact, so equal doubles mean equal floats; the types are compared too
        actual.forEach((name, array) -> a.put(name + " " + array.dataType(), array.data().asDouble()));
        expected.forEach((name, array) -> e.put(name + " " + array.dataType(), array.data().asDouble()));
        assertThat(a.keySet()).containsExactlyElementsOf(e.keySet());
        e.forEach((name, values) -> assertThat(a.get(name)).as(name).isEqualTo(values));
    }

    private static String headerOf(byte[] file) {
        int length = ByteBuffer.wrap(file, 16, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return new String(file, 20, length, StandardCharsets.UTF_8);
    }

    private static byte[] replaceHeader(byte[] file, String header) {
        int oldLength = ByteBuffer.wrap(file, 16, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] newHeader = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(file.length - oldLength + newHeader.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(file, 0, 16).putInt(newHeader.length).put(newHeader).put(file, 20 + oldLength, file.length - 20 - oldLength);
        return out.array();
    }
}
