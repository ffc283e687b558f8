package dev.chainrule.training;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.CheckpointFile;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingCheckpoint;
import dev.chainrule.storage.BlobStore;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A job's own files: rows given inline with the request, and its checkpoints. Every name is new (a checkpoint's
 * carries the attempt and a UUID), so a replica that lost its lease can never overwrite what the new owner wrote.
 */
@Component
class JobFiles {
    /** A job's file could not be written or read where the service keeps its files. */
    static class StorageException extends RuntimeException {
        StorageException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(JobFiles.class);

    private final BlobStore files;

    JobFiles(BlobStore files) {
        this.files = files;
    }

    /** A job's rows in a file of its own: features then targets, in ND4J's binary array format. */
    String writeData(String jobId, String name, Dataset data) {
        try {
            return files.put("jobs/" + jobId + "/" + name + ".nd4j", out -> {
                DataOutputStream stream = new DataOutputStream(out);
                Nd4j.write(data.features(), stream);
                Nd4j.write(data.targets(), stream);
                stream.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the data of job " + jobId, e);
        }
    }

    Dataset readData(String file) {
        try (InputStream in = new BufferedInputStream(files.open(file), 1 << 16)) {
            DataInputStream stream = new DataInputStream(in);
            INDArray features = Nd4j.read(stream);
            INDArray targets = Nd4j.read(stream);
            return new Dataset(features, targets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read job data " + file, e);
        }
    }

    String writeCheckpoint(JobLease lease, TrainingCheckpoint state) {
        try {
            return files.put("jobs/" + lease.jobId() + "/checkpoint-" + state.epochsCompleted() + "-" + lease.attempt()
                    + "-" + UUID.randomUUID() + ".bin", out -> CheckpointFile.write(state, out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of job " + lease.jobId(), e);
        }
    }

    boolean exists(String file) {
        try {
            return files.exists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether " + file + " exists in " + files.location(), e);
        }
    }

    TrainingCheckpoint readCheckpoint(String file, Network network) {
        try (InputStream in = new BufferedInputStream(files.open(file), 1 << 16)) {
            return CheckpointFile.read(in, network);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
    }

    /** One file no record names any more; what cannot be deleted now the orphan sweep removes later. */
    void delete(String jobId, String file) {
        try {
            files.delete(file);
        } catch (IOException | UncheckedIOException e) {
            log.warn("job {}: could not delete {}; the orphan sweep will", jobId, file, e);
        }
    }

    /** The job's files (data, checkpoints): no record names them once the job has ended. */
    void deleteAll(String jobId) {
        try {
            for (BlobStore.Entry entry : files.list("jobs/" + jobId + "/")) {
                files.delete(entry.key());
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: no record names them any more, so the orphan sweep removes what is left
            log.warn("could not delete the files of job {}", jobId, e);
        }
    }
}
