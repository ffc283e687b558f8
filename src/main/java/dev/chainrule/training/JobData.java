package dev.chainrule.training;

import dev.chainrule.dataset.DatasetFile;
import dev.chainrule.dataset.DatasetNotFoundException;
import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import dev.chainrule.dataset.TargetEncoding;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/** Where a job's rows come from when it runs: its own files of inline rows, or stored datasets read then. */
@Component
class JobData {
    /** At most this many problems of a dataset's rows are named in a failed job's reason. */
    static final int MAX_REPORTED_ROW_PROBLEMS = 10;

    private final DatasetService datasets;
    private final JobFiles files;

    JobData(DatasetService datasets, JobFiles files) {
        this.datasets = datasets;
        this.files = files;
    }

    /**
     * A job's spec from its record: inline rows read back from the job's files, stored datasets named. (A record
     * written before jobs read their datasets when they run has the dataset's rows in its files: those are used.)
     */
    TrainingJobSpec spec(JobRepository.JobRow row) {
        JobRepository.Settings s = row.settings();
        boolean trainingInFile = row.trainingFile() != null;
        boolean validationInFile = row.validationFile() != null;
        return new TrainingJobSpec(row.modelId(), trainingInFile ? files.readData(row.trainingFile()) : null,
                trainingInFile ? null : row.trainingDatasetId(),
                validationInFile ? files.readData(row.validationFile()) : null,
                validationInFile ? null : row.validationDatasetId(),
                trainingInFile ? null : s.validationSplit(), s.trainingRows(), s.config(), s.fromVersion(), s.standardise());
    }

    /**
     * The job's raw training and validation rows (the latter null without validation): inline ones as given, a
     * stored dataset read from its file, checked row by row and split as the request asked.
     */
    Dataset[] rows(TrainingJobSpec spec, TargetEncoding encoding) {
        Dataset training = spec.training();
        Dataset validation = spec.validation();
        if (training == null) {
            Dataset[] parts = readDataset(spec.trainingDatasetId(), encoding, spec.validationSplit());
            training = parts[0];
            if (spec.validationSplit() != null) {
                validation = parts[1];
            }
        }
        if (spec.validationDatasetId() != null) {
            validation = readDataset(spec.validationDatasetId(), encoding, null)[0];
        }
        if (training.size() != spec.trainingRows()) {
            throw new UnreadableDatasetException("dataset " + spec.trainingDatasetId() + " gave " + training.size()
                    + " training rows, the job was planned for " + spec.trainingRows());
        }
        return new Dataset[] {training, validation};
    }

    /**
     * A stored dataset's rows, targets encoded for the model, split in two as they are read when {@code heldOut} is
     * given ({training, validation}; else {all rows}); what cannot be read or does not fit fails the job.
     *
     * @param heldOut the validation split, or null
     */
    private Dataset[] readDataset(String datasetId, TargetEncoding encoding, TrainingJobSpec.ValidationSplit heldOut) {
        StoredDataset stored;
        try {
            stored = datasets.get(datasetId);
        } catch (DatasetNotFoundException e) {
            throw new UnreadableDatasetException("dataset " + datasetId + " no longer exists");
        }
        String named = "dataset '" + stored.name() + "' (" + stored.id() + ")";
        List<String> problems = new ArrayList<>();
        Dataset[] data;
        try {
            data = datasets.load(stored, encoding, new DatasetFile.Problems() {
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
            }, heldOut == null ? null : heldOut.of((int) stored.summary().rows()));
        } catch (UncheckedIOException e) {
            IOException cause = e.getCause();
            String why = cause instanceof java.nio.file.NoSuchFileException ? "its file " + stored.file() + " is missing"
                    : cause.getMessage();
            throw new UnreadableDatasetException("cannot read " + named + ": " + why);
        }
        if (data == null) {
            throw new UnreadableDatasetException(named + " does not fit the model: " + String.join("; ", problems));
        }
        return data;
    }
}
