package dev.chainrule.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.api.prediction.PredictRequest;
import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.model.Standardiser;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import tools.jackson.databind.JsonNode;

/**
 * The micro benchmarks' ops do the work they are named for, outside JMH (which only times them): the predict path
 * answers with the class of each row's largest output, both JSON readers read the digits of the body, and a job's
 * setup reads the stored dataset back and standardises it. On the repository's MNIST (surefire runs in bench/).
 */
class MicroBenchmarksTest {
    private static final Path MNIST = Path.of("../datasets/mnist");

    @BeforeAll
    static void mnist() {
        System.setProperty("chainrule.mnist", MNIST.toString());
    }

    @Test
    void theBodyHoldsTheFirstTestDigitsAsBothReadersReadThem() {
        PredictJsonMicro json = new PredictJsonMicro();
        json.rows = 3;
        json.setUp(); // throws if PredictRequestJson and Jackson read the body differently
        PredictRequest request = json.plainShape();
        float[] digits = Mnist.test(3).features().data().asFloat();

        assertThat(request.instances().rows()).isEqualTo(3);
        assertThat(request.instances().count()).isEqualTo(3 * 784);
        for (int i = 0; i < digits.length; i++) {
            assertThat(request.instances().values()[i]).as("value %d", i).isEqualTo(digits[i]);
        }
    }

    @Test
    void wholePathAnswersWithTheClassOfEachRowsLargestOutput() {
        PredictPathMicro path = new PredictPathMicro();
        path.rows = 128;
        path.blasThreads = 1;
        path.setUp(); // throws if Predictor.predict differs from TrainedModel.predict
        float[] outputs = path.predict();
        JsonNode response = PredictRequests.JSON.readTree(path.wholePath());

        assertThat(response.get("predictions")).hasSize(128);
        for (int r = 0; r < 128; r++) {
            int largest = 0;
            for (int k = 1; k < 10; k++) {
                largest = outputs[r * 10 + k] > outputs[r * 10 + largest] ? k : largest;
            }
            JsonNode prediction = response.get("predictions").get(r);
            assertThat(prediction.get("classIndex").asInt()).as("row %d", r).isEqualTo(largest);
            for (int k = 0; k < 10; k++) {
                assertThat(prediction.get("outputs").get(k).floatValue()).isEqualTo(outputs[r * 10 + k]);
            }
        }
    }

    @Test
    void jobSetupReadsTheStoredDigitsBackAndStandardisesThem() throws IOException {
        JobSetupMicro setup = new JobSetupMicro();
        setup.datasetRows = 500;
        setup.setUp();
        try {
            INDArray pixels = MnistIdxReader.readImages(MNIST.resolve("train-images-idx3-ubyte.gz"), DataType.FLOAT)
                    .get(NDArrayIndex.interval(0, 500), NDArrayIndex.all()).mul(255);
            int[] labels = MnistIdxReader.readLabels(MNIST.resolve("train-labels-idx1-ubyte.gz"));

            Dataset read = setup.read();
            assertThat(read.size()).isEqualTo(500);
            assertThat(read.features().sub(pixels).amaxNumber().doubleValue()).isLessThan(1e-3);
            for (int r = 0; r < 500; r++) {
                assertThat(read.targets().getRow(r).argMax().getInt(0)).as("row %d", r).isEqualTo(labels[r]);
            }
            setup.freeRead();

            INDArray standardised = setup.wholeSetup();
            INDArray expected = Standardiser.fit(pixels).apply(pixels);
            assertThat(standardised.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-4);
            setup.freeRead();
        } finally {
            setup.removeFile();
        }
    }
}
