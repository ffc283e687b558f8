package dev.chainrule.training;

import dev.chainrule.engine.training.Dataset;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A job's rows as versions before the dataset format for inline rows wrote them: the features, then the targets
 * (already in the network's shape), each in ND4J's binary array format. Kept so that a job queued or running when
 * the service was upgraded still runs; such a job's rows were split (when asked) before they were written, so its
 * record holds no validation split. Nothing writes this format any more.
 */
final class LegacyJobRowsFile {
    private LegacyJobRowsFile() {
    }

    /**
     * The rows as written, split as they are read when {@code heldOut} is given (records of earlier versions never
     * ask for it, but a split is a split).
     *
     * @return {training, validation} with {@code heldOut}, else {all rows}
     */
    static Dataset[] read(Path file, Validation.Split heldOut) throws IOException {
        Dataset rows;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream stream = new DataInputStream(in);
            INDArray features = Nd4j.read(stream);
            INDArray targets = Nd4j.read(stream);
            rows = new Dataset(features, targets);
        } catch (RuntimeException e) {
            throw new IOException("neither a dataset file nor the ND4J arrays of earlier versions: " + e.getMessage(), e);
        }
        if (heldOut == null) {
            return new Dataset[] {rows};
        }
        var split = heldOut.of(rows.size());
        return new Dataset[] {split.train(rows), split.test(rows)};
    }
}
