package dev.chainrule.dataset;

import dev.chainrule.engine.training.Dataset;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads MNIST's IDX files (big-endian int32 header, then unsigned bytes), gzip-compressed or not: images
 * become rows of 784 pixels scaled to [0, 1], labels one-hot rows of 10.
 */
public final class MnistIdxReader {
    static final int IMAGE_MAGIC = 2051;
    static final int LABEL_MAGIC = 2049;
    public static final int CLASSES = 10;

    private MnistIdxReader() {
    }

    /** The images and labels of one split (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz). */
    public static Dataset read(Path images, Path labels, DataType type) throws IOException {
        INDArray features = readImages(images, type);
        int[] classes = readLabels(labels);
        if (classes.length != features.rows()) {
            throw new IOException(images + " has " + features.rows() + " images but " + labels + " has " + classes.length + " labels");
        }
        return new Dataset(features, Dataset.oneHot(classes, CLASSES, type));
    }

    /** T x (rows * cols) pixels / 255. */
    public static INDArray readImages(Path file, DataType type) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGE_MAGIC) {
                throw new IOException(file + ": not an IDX image file (magic " + magic + ", expected " + IMAGE_MAGIC + ")");
            }
            int count = in.readInt();
            int width = in.readInt() * in.readInt();
            byte[] pixels = new byte[Math.multiplyExact(count, width)];
            in.readFully(pixels);
            float[] values = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                values[i] = (pixels[i] & 0xFF) / 255f;
            }
            return Nd4j.create(values, new long[] {count, width}, 'c').castTo(type);
        }
    }

    /** Class ids 0..9. */
    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABEL_MAGIC) {
                throw new IOException(file + ": not an IDX label file (magic " + magic + ", expected " + LABEL_MAGIC + ")");
            }
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            int[] labels = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                labels[i] = bytes[i] & 0xFF;
            }
            return labels;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        return new DataInputStream(GzipSniffer.decompressedIfGzip(Files.newInputStream(file)));
    }
}
