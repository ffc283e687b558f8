package dev.chainrule.training;

import dev.chainrule.dataset.DatasetFileWriter;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.model.CheckpointFile;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingCheckpoint;
import dev.chainrule.storage.BlobStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A job's own files: rows sent with its request, and its checkpoints. Every name is new (a checkpoint's
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

    /**
     * Rows sent with a job's request, stored as a new file of the job's in the dataset format (docs/dataset-format.md):
     * features {@code x1..xD}, then the targets in the network's shape {@code y1..yK}, float32, with the statistics
     * and checksum an upload's file has, so the job reads them as it reads a dataset.
     *
     * @param name what the rows are to the job: "training" or "validation"
     * @return the file's key
     */
    String writeRows(String jobId, String name, Dataset rows) {
        String key = "jobs/" + jobId + "/" + name + ".bin";
        Path temp = null;
        try {
            temp = files.newTempFile();
            DatasetFileWriter.fromRows(rows, columns("x", (int) rows.features().columns()),
                    columns("y", (int) rows.targets().columns()), temp);
            return files.putFile(key, temp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the " + name + " rows of job " + jobId, e);
        } finally {
            deleteTemp(temp);
        }
    }

    private static List<String> columns(String prefix, int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).toList();
    }

    private static void deleteTemp(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                log.warn("could not delete the temp file {}", temp, e);
            }
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
