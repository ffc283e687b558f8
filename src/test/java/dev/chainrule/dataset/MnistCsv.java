package dev.chainrule.dataset;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** MNIST's 10,000 test images (datasets/mnist) as a CSV to upload: p0..p783 as pixel values 0..255, then label. */
public final class MnistCsv {
    public static final int ROWS = 10_000;
    public static final int PIXELS = 784;

    private MnistCsv() {
    }

    /** The pixels, ROWS x PIXELS row-major, as the CSV holds them (0..255). */
    public static float[] pixels() throws IOException {
        INDArray images = MnistIdxReader.readImages(TestDatasets.file("mnist/t10k-images-idx3-ubyte.gz"), DataType.FLOAT);
        float[] scaled = images.data().asFloat();
        float[] out = new float[scaled.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.round(scaled[i] * 255f);
        }
        return out;
    }

    public static int[] labels() throws IOException {
        return MnistIdxReader.readLabels(TestDatasets.file("mnist/t10k-labels-idx1-ubyte.gz"));
    }

    /** Writes the CSV (about 18 MB) to {@code file}. */
    public static Path write(Path file) throws IOException {
        float[] pixels = pixels();
        int[] labels = labels();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < PIXELS; j++) {
                line.append('p').append(j).append(',');
            }
            out.append(line).append("label\n");
            for (int r = 0; r < ROWS; r++) {
                line.setLength(0);
                for (int j = 0; j < PIXELS; j++) {
                    line.append((int) pixels[r * PIXELS + j]).append(',');
                }
                out.append(line).append(Integer.toString(labels[r])).append('\n');
            }
        }
        return file;
    }
}
