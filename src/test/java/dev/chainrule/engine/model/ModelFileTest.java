package dev.chainrule.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelFileTest {

    private static final NetworkDefinition DEFINITION = new NetworkDefinition(3,
            List.of(new LayerSpec(5, Activation.TANH), new LayerSpec(4, Activation.RELU), new LayerSpec(2, Activation.SOFTMAX)),
            LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);

    @TempDir
    Path directory;

    private static TrainedModel model(DataType type) {
        Network network = Network.create(DEFINITION, type, 1e-6);
        network.initialise(11);
        network.parameters().get(1).value().assign(Nd4j.createFromArray(0.1, -0.2, 0.3, -0.4, 0.5).reshape(1, 5));
        INDArray raw = Nd4j.createFromArray(new double[][] {{1, 10, 100}, {2, 20, 50}, {3, 25, 75}, {0, 5, 60}});
        return new TrainedModel(network, Standardiser.fit(raw));
    }

    private static INDArray inputs() {
        return Nd4j.createFromArray(new double[][] {{1.5, 12, 80}, {-1, 30, 40}, {2, 22, 64}});
    }

    @Test
    void roundTripThroughAFileGivesIdenticalPredictions() throws IOException {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            TrainedModel original = model(type);
            Path file = directory.resolve("model-" + type + ".crm");
            try (OutputStream out = Files.newOutputStream(file)) {
                ModelFile.write(original, out);
            }
            TrainedModel loaded;
            try (InputStream in = Files.newInputStream(file)) {
                loaded = ModelFile.read(in);
            }
            assertThat(loaded.network().definition()).isEqualTo(DEFINITION);
            assertThat(loaded.network().dataType()).isEqualTo(type);
            assertThat(loaded.network().lossEpsilon()).isEqualTo(1e-6);
            for (int i = 0; i < original.network().parameters().size(); i++) {
                assertThat(loaded.network().parameters().get(i).value())
                        .isEqualTo(original.network().parameters().get(i).value());
            }
            assertThat(loaded.standardiser().mean()).isEqualTo(original.standardiser().mean());
            assertThat(loaded.standardiser().std()).isEqualTo(original.standardiser().std());
            INDArray expected = original.predict(inputs());
            INDArray actual = loaded.predict(inputs());
            assertThat(actual.dataType()).isEqualTo(type);
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void fileLayoutIsMagicLengthHeaderThenLittleEndianArrays() throws IOException {
        TrainedModel model = model(DataType.FLOAT);
        byte[] bytes = write(model);
        assertThat(new String(bytes, 0, 16, StandardCharsets.US_ASCII)).isEqualTo("CHAINRULE-MODEL\n");
        int headerLength = ByteBuffer.wrap(bytes, 16, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        String header = new String(bytes, 20, headerLength, StandardCharsets.UTF_8);
        assertThat(header).contains("\"formatVersion\":1", "\"dataType\":\"float32\"", "\"layer1.W\"");
        long values = DEFINITION.parameterCount();
        assertThat(bytes.length).isEqualTo(20 + headerLength + values * Float.BYTES);
        // the first array is layer1.W (3 x 5), row-major: its first float is W[0,0]
        float first = ByteBuffer.wrap(bytes, 20 + headerLength, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertThat(first).isEqualTo(model.network().parameters().get(0).value().getFloat(0, 0));
        float second = ByteBuffer.wrap(bytes, 24 + headerLength, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertThat(second).isEqualTo(model.network().parameters().get(0).value().getFloat(0, 1));
    }

    @Test
    void modelWithoutStandardisationRoundTrips() throws IOException {
        Network network = Network.initialised(DEFINITION, 3);
        TrainedModel loaded = ModelFile.read(new ByteArrayInputStream(write(new TrainedModel(network, null))));
        assertThat(loaded.standardiser()).isNull();
        assertThat(loaded.predict(inputs())).isEqualTo(network.predict(inputs().castTo(DataType.FLOAT)));
    }

    @Test
    void damagedFilesAreRefusedWithAReason() throws IOException {
        byte[] good = write(model(DataType.FLOAT));

        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(truncated)))
                .isInstanceOf(ModelFile.InvalidModelFileException.class).hasMessageContaining("ends inside layer3.b");

        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(trailing)))
                .hasMessageContaining("after the last array");

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 'X';
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(wrongMagic)))
                .hasMessageContaining("magic");

        byte[] hugeHeader = good.clone();
        ByteBuffer.wrap(hugeHeader, 16, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(hugeHeader)))
                .hasMessageContaining("header length");

        String header = headerOf(good);
        byte[] badActivation = replaceHeader(good, header.replace("\"tanh\"", "\"swish\""));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(badActivation)))
                .hasMessageContaining("invalid definition");

        byte[] wrongShape = replaceHeader(good, header.replace("[3,5]", "[5,3]"));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(wrongShape)))
                .hasMessageContaining("expected layer1.W of shape [3, 5]");
    }

    /**
     * A maxout model is written as format version 2 (its layers have "pieces") and reads back exactly; a model without
     * maxout is still version 1 (above), which older services read; a version 1 header may not name maxout.
     */
    @Test
    void maxoutModelsAreVersion2AndRoundTrip() throws IOException {
        NetworkDefinition definition = new NetworkDefinition(3, List.of(LayerSpec.maxout(4, 3), new LayerSpec(2, Activation.SOFTMAX)),
                LossKind.CROSS_ENTROPY, WeightInitialiser.XAVIER);
        Network network = Network.initialised(definition, 5);
        byte[] file = write(new TrainedModel(network, null));
        String header = headerOf(file);
        assertThat(header).contains("\"formatVersion\":2", "{\"units\":4,\"activation\":\"maxout\",\"pieces\":3}",
                "{\"name\":\"layer1.W\",\"shape\":[3,12]}");
        TrainedModel loaded = ModelFile.read(new ByteArrayInputStream(file));
        assertThat(loaded.network().definition()).isEqualTo(definition);
        assertThat(loaded.predict(inputs())).isEqualTo(network.predict(inputs().castTo(DataType.FLOAT)));

        byte[] claimsVersion1 = replaceHeader(file, header.replace("\"formatVersion\":2", "\"formatVersion\":1"));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(claimsVersion1)))
                .hasMessageContaining("a version 1 model file has no maxout layers");
        byte[] version3 = replaceHeader(file, header.replace("\"formatVersion\":2", "\"formatVersion\":3"));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(version3))).hasMessageContaining("version 3");
        byte[] noPieces = replaceHeader(file, header.replace(",\"pieces\":3", ""));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(noPieces))).hasMessageContaining("maxout needs at least 2 pieces");
        byte[] piecesOnTanh = replaceHeader(write(model(DataType.FLOAT)), headerOf(write(model(DataType.FLOAT)))
                .replace("\"activation\":\"tanh\"", "\"activation\":\"tanh\",\"pieces\":2"));
        assertThatThrownBy(() -> ModelFile.read(new ByteArrayInputStream(piecesOnTanh))).hasMessageContaining("pieces is only for maxout");
    }

    private static byte[] write(TrainedModel model) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(model, out);
        return out.toByteArray();
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
