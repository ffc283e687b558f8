import dev.chainrule.client.Activation;
import dev.chainrule.client.ChainruleClient;
import dev.chainrule.client.Dataset;
import dev.chainrule.client.Epoch;
import dev.chainrule.client.Initialiser;
import dev.chainrule.client.Job;
import dev.chainrule.client.JobStatus;
import dev.chainrule.client.Loss;
import dev.chainrule.client.Model;
import dev.chainrule.client.ModelDefinition;
import dev.chainrule.client.Optimizer;
import dev.chainrule.client.TrainRequest;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * MNIST through the Java client: the IDX files become a gzip-compressed CSV that is streamed to POST /datasets as
 * it is written, a 784-128-10 network trains on it for two epochs while each finished epoch is printed, and the
 * 10,000 test images are predicted to measure the accuracy.
 *
 * <pre>java -cp chainrule-client.jar:jackson... MnistWalkthrough.java BASE_URL MNIST_DIR</pre>
 * (examples/mnist-sdk/run.sh builds the client and runs this.) CHAINRULE_API_KEY gives it an API key (an ADMIN
 * one: it uploads and trains). Exits 1 when the job does not succeed or the accuracy is below 0.9.
 */
public class MnistWalkthrough {
    private static final int PIXELS = 28 * 28;
    private static final double MIN_ACCURACY = 0.9;
    /** Test images per predict request: well under the service's max-predict-rows (10,000) and body size. */
    private static final int PREDICT_BATCH = 1000;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: MnistWalkthrough BASE_URL MNIST_DIR");
            System.exit(2);
        }
        Path mnist = Path.of(args[1]);
        ChainruleClient chainrule = ChainruleClient.builder()
                .baseUrl(args[0]).apiKey(System.getenv("CHAINRULE_API_KEY")).build();

        System.out.println("== 1. upload the 60,000 training images as a gzip CSV, streamed while it is written");
        long start = System.nanoTime();
        Dataset train = uploadAsCsv(chainrule, "mnist-train",
                mnist.resolve("train-images-idx3-ubyte.gz"), mnist.resolve("train-labels-idx1-ubyte.gz"));
        System.out.printf(Locale.ROOT, "dataset %s: %d rows, %d feature columns, target %s, %.1f MB stored, %.1f s%n",
                train.id(), train.rows(), train.featureColumns().size(), train.targetColumns(),
                train.sizeBytes() / 1e6, seconds(start));
        System.out.println("  rows per digit: " + train.classCounts());

        System.out.println("== 2. define a model: 784 inputs, 128 ReLU units, 10-way softmax, cross-entropy");
        Model model = chainrule.createModel(ModelDefinition.builder(PIXELS).name("mnist")
                .layer(128, Activation.RELU).layer(10, Activation.SOFTMAX)
                .loss(Loss.CROSS_ENTROPY).initialiser(Initialiser.HE).seed(7).build());
        System.out.printf(Locale.ROOT, "model %s (%,d parameters)%n", model.id(), model.parameterCount());

        System.out.println("== 3. train 2 epochs on the data set (10% held out for validation), following each epoch");
        Job job = chainrule.train(TrainRequest.builder(model.id()).dataset(train.id()).validationSplit(0.1)
                .epochs(2).batchSize(128).optimizer(Optimizer.adam(0.001)).build());
        System.out.println("job " + job.id() + ": " + job.status());
        Job done = chainrule.waitForJob(job.id(), MnistWalkthrough::printEpoch, Duration.ofMinutes(15));
        System.out.printf(Locale.ROOT, "  end: %s, version %s, %.1f s of training%n", done.status(), done.version(),
                done.elapsedSeconds());
        if (done.status() != JobStatus.SUCCEEDED) {
            System.err.println("mnist-sdk: the job did not succeed: " + done.failureReason());
            System.exit(1);
        }

        System.out.println("== 4. predict the 10,000 test images, " + PREDICT_BATCH + " per request");
        start = System.nanoTime();
        byte[][] images = readImages(mnist.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] labels = readLabels(mnist.resolve("t10k-labels-idx1-ubyte.gz"));
        int right = 0;
        for (int from = 0; from < images.length; from += PREDICT_BATCH) {
            int to = Math.min(images.length, from + PREDICT_BATCH);
            // the pixels as float32 rows, one after the other: sent as they are, no double[][] in between
            float[] rows = new float[(to - from) * PIXELS];
            for (int i = from; i < to; i++) {
                pixels(images[i], rows, (i - from) * PIXELS);
            }
            int[] predicted = chainrule.predict(model.id(), rows, PIXELS, null).classIndices();
            for (int i = from; i < to; i++) {
                right += predicted[i - from] == labels[i] ? 1 : 0;
            }
        }
        double accuracy = (double) right / images.length;
        System.out.printf(Locale.ROOT, "  test accuracy: %.4f (%d of %d images), %.1f s%n", accuracy, right,
                images.length, seconds(start));
        if (accuracy < MIN_ACCURACY) {
            System.err.printf(Locale.ROOT, "mnist-sdk: accuracy %.4f is below %.2f%n", accuracy, MIN_ACCURACY);
            System.exit(1);
        }
        System.out.println("mnist-sdk: OK (model " + model.id() + ", dataset " + train.id() + ")");
    }

    private static void printEpoch(Epoch epoch) {
        System.out.printf(Locale.ROOT, "  epoch %d  loss %.4f  accuracy %.4f  validation loss %.4f  validation accuracy %.4f  (%.1f s)%n",
                epoch.epoch(), epoch.trainingLoss(), epoch.trainingMetrics().get("accuracy"), epoch.validationLoss(),
                epoch.validationMetrics().get("accuracy"), epoch.durationSeconds());
    }

    /**
     * Uploads images and labels as CSV (header pixel0..pixel783,label; one image per row), gzip-compressed by a
     * second thread into a pipe that the client sends from as it fills: the CSV never exists whole, on disk or
     * in memory.
     */
    private static Dataset uploadAsCsv(ChainruleClient chainrule, String name, Path images, Path labels) throws Exception {
        PipedInputStream body = new PipedInputStream(1 << 16);
        PipedOutputStream pipe = new PipedOutputStream(body);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (OutputStream csv = new BufferedOutputStream(new GZIPOutputStream(pipe, 1 << 16), 1 << 16);
                 DataInputStream imageIn = idx(images, 0x00000803);
                 DataInputStream labelIn = idx(labels, 0x00000801)) {
                int count = imageIn.readInt();
                if (labelIn.readInt() != count || imageIn.readInt() != 28 || imageIn.readInt() != 28) {
                    throw new IOException(images + " and " + labels + " do not match");
                }
                StringBuilder line = new StringBuilder(4 * PIXELS);
                for (int j = 0; j < PIXELS; j++) {
                    line.append("pixel").append(j).append(',');
                }
                csv.write(line.append("label\n").toString().getBytes(StandardCharsets.US_ASCII));
                byte[] image = new byte[PIXELS];
                for (int i = 0; i < count; i++) {
                    imageIn.readFully(image);
                    line.setLength(0);
                    for (byte pixel : image) {
                        line.append(pixel & 0xFF).append(',');
                    }
                    line.append(labelIn.readUnsignedByte()).append('\n');
                    csv.write(line.toString().getBytes(StandardCharsets.US_ASCII));
                }
            } catch (Exception e) {
                failure.set(e);
                try {
                    pipe.close();
                } catch (IOException ignored) {
                    // the reader sees the end of the stream; the failure is reported below
                }
            }
        }, "mnist-csv-writer");
        writer.setDaemon(true);
        writer.start();
        Dataset dataset = chainrule.uploadDataset(body, name, "label");
        writer.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return dataset;
    }

    /** An IDX file past its magic number, which must be {@code magic}. */
    private static DataInputStream idx(Path file, int magic) throws IOException {
        DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16));
        int found = in.readInt();
        if (found != magic) {
            in.close();
            throw new IOException(file + " is not an IDX file of this kind: magic " + Integer.toHexString(found));
        }
        return in;
    }

    private static byte[][] readImages(Path file) throws IOException {
        try (DataInputStream in = idx(file, 0x00000803)) {
            int count = in.readInt();
            in.readInt();
            in.readInt();
            byte[][] images = new byte[count][PIXELS];
            for (byte[] image : images) {
                in.readFully(image);
            }
            return images;
        }
    }

    private static byte[] readLabels(Path file) throws IOException {
        try (DataInputStream in = idx(file, 0x00000801)) {
            byte[] labels = new byte[in.readInt()];
            in.readFully(labels);
            return labels;
        }
    }

    /** Raw pixel values 0..255 into rows from offset, as in the CSV: the service standardises them as it did the training rows. */
    private static void pixels(byte[] image, float[] rows, int offset) {
        for (int j = 0; j < image.length; j++) {
            rows[offset + j] = image[j] & 0xFF;
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
