package dev.chainrule.training;

import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * A job's rows when it runs, read one way whatever their source: a file in the dataset format (an uploaded dataset's,
 * or the job's own file of the rows its request carried), read into matrices off the heap with its checksum and each
 * target checked for the model, and split as it is read when the job holds out validation rows. (A job recorded by
 * an earlier version may name a file of its rows in ND4J's format: {@link LegacyJobRowsFile} reads it.)
 */
@Component
class JobData {
    /** At most this many problems of a dataset's rows are named in a failed job's reason. */
    static final int MAX_REPORTED_ROW_PROBLEMS = 10;

    private final DatasetService datasets;
    private final BlobStore blobs;

    JobData(DatasetService datasets, BlobStore blobs) {
        this.datasets = datasets;
        this.blobs = blobs;
    }

    /** A file to read and how a failed job's reason names it. */
    private record RowsFile(String key, String named) {
    }

    /**
     * The job's raw training and validation rows (the latter null without validation), targets encoded for the
     * model; what cannot be read or does not fit fails the job ({@link UnreadableDatasetException}).
     */
    Dataset[] rows(TrainingJobSpec spec, TargetEncoding encoding) {
        Validation.Split split = spec.validation() instanceof Validation.Split held ? held : null;
        RowsFile trainingFile = file(spec.training());
        Dataset[] parts = read(trainingFile, spec.training() instanceof RowSource.JobRowsFile, encoding, split);
        Dataset validation = null;
        if (split != null) {
            validation = parts[1];
        } else if (spec.validation() instanceof Validation.OwnRows own) {
            validation = read(file(own.rows()), own.rows() instanceof RowSource.JobRowsFile, encoding, null)[0];
        }
        if (parts[0].size() != spec.trainingRows()) {
            throw new UnreadableDatasetException(trainingFile.named() + " gave " + parts[0].size()
                    + " training rows, the job was planned for " + spec.trainingRows());
        }
        return new Dataset[] {parts[0], validation};
    }

    private RowsFile file(RowSource source) {
        if (source instanceof RowSource.UploadedDataset uploaded) {
            StoredDataset stored;
            try {
                stored = datasets.get(uploaded.datasetId());
            } catch (DatasetNotFoundException e) {
                throw new UnreadableDatasetException("dataset " + uploaded.datasetId() + " no longer exists");
            }
            return new RowsFile(stored.file(), "dataset '" + stored.name() + "' (" + stored.id() + ")");
        }
        if (source instanceof RowSource.JobRowsFile own) {
            return new RowsFile(own.key(), "the job's rows (" + own.key() + ")");
        }
        throw new IllegalStateException("a job runs on stored rows; the request's rows are stored when it is submitted");
    }

    /**
     * A file's rows, split in two as they are read when {@code heldOut} is given ({training, validation}; else
     * {all rows}).
     *
     * @param mayBeLegacy whether the file is the job's own, which an earlier version wrote in ND4J's format
     */
    private Dataset[] read(RowsFile file, boolean mayBeLegacy, TargetEncoding encoding, Validation.Split heldOut) {
        List<String> problems = new ArrayList<>();
        Dataset[] data;
        try {
            // random access: the data directory's own file, or a cached download of the object
            Path local = blobs.localCopy(file.key());
            if (mayBeLegacy && !DatasetFile.hasMagic(local)) {
                return LegacyJobRowsFile.read(local, heldOut);
            }
            DatasetFile rows = DatasetFile.open(local);
            data = rows.load(encoding, new DatasetFile.Problems() {
                @Override
                public void add(String where, String reason) {
                    if (problems.size() < MAX_REPORTED_ROW_PROBLEMS) {
                        problems.add((where == null ? "" : where + ": ") + reason);
                    }
                }

                @Override
                public boolean isFull() {
                    return problems.size() >= MAX_REPORTED_ROW_PROBLEMS;
                }
            }, heldOut == null ? null : heldOut.of((int) rows.summary().rows()));
        } catch (NoSuchFileException e) {
            throw new UnreadableDatasetException("cannot read " + file.named() + ": its file " + file.key() + " is missing");
        } catch (IOException e) {
            throw new UnreadableDatasetException("cannot read " + file.named() + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UnreadableDatasetException("cannot read " + file.named() + ": " + e.getCause().getMessage());
        }
        if (data == null) {
            throw new UnreadableDatasetException(file.named() + " does not fit the model: " + String.join("; ", problems));
        }
        return data;
    }
}
