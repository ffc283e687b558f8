package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The real MNIST files of datasets/mnist against the figures its README records. */
class MnistIdxReaderTest {
    private static Dataset train;
    private static Dataset test;

    @BeforeAll
    static void read() throws IOException {
        train = MnistIdxReader.read(file("train-images-idx3-ubyte.gz"), file("train-labels-idx1-ubyte.gz"), DataType.FLOAT);
        test = MnistIdxReader.read(file("t10k-images-idx3-ubyte.gz"), file("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT);
    }

    @Test
    void countsAndShapes() {
        assertThat(train.features().shape()).containsExactly(60_000, 784);
        assertThat(train.targets().shape()).containsExactly(60_000, 10);
        assertThat(test.features().shape()).containsExactly(10_000, 784);
        assertThat(test.targets().shape()).containsExactly(10_000, 10);
    }

    @Test
    void firstLabels() {
        assertThat(labels(train, 10)).containsExactly(5, 0, 4, 1, 9, 2, 1, 3, 1, 4);
        assertThat(labels(test, 10)).containsExactly(7, 2, 1, 0, 4, 1, 4, 9, 5, 9);
    }

    @Test
    void trainClassCountsAreTheCanonicalOnes() {
        assertThat(train.targets().sum(0).toIntVector())
                .containsExactly(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949);
        assertThat(test.targets().sum(0).sumNumber().intValue()).isEqualTo(10_000); // one 1 per row
    }

    @Test
    void pixelsAreScaledIntoTheUnitInterval() {
        assertThat(train.features().minNumber().doubleValue()).isEqualTo(0.0);
        assertThat(train.features().maxNumber().doubleValue()).isEqualTo(1.0);
        assertThat(test.features().minNumber().doubleValue()).isEqualTo(0.0);
        assertThat(test.features().maxNumber().doubleValue()).isEqualTo(1.0);
        // in float64: a float32 reduction over 47 million pixels drifts in the 4th digit
        assertThat(train.features().castTo(DataType.DOUBLE).meanNumber().doubleValue()).isCloseTo(0.1307, within(1e-4));
    }

    @Test
    void labelFileIsNotAnImageFile() {
        assertThatThrownBy(() -> MnistIdxReader.readImages(file("t10k-labels-idx1-ubyte.gz"), DataType.FLOAT))
                .hasMessageContaining("not an IDX image file");
    }

    private static int[] labels(Dataset data, int count) {
        return Arrays.copyOf(Nd4j.argMax(data.targets(), 1).toIntVector(), count);
    }

    private static Path file(String name) {
        return TestDatasets.file("mnist/" + name);
    }
}
