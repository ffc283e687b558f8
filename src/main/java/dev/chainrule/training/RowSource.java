package dev.chainrule.training;

import dev.chainrule.engine.training.Dataset;
import java.util.Objects;

/**
 * Where a job's rows come from. A job that runs reads either kind of file the same way (a {@link JobData}): an
 * uploaded dataset, or the job's own file of the rows its request carried; rows just received are only a step
 * before that file exists.
 */
public sealed interface RowSource permits RowSource.UploadedDataset, RowSource.RequestRows, RowSource.JobRowsFile {

    /** A dataset uploaded with POST /datasets, named by its id and read when the job runs. */
    record UploadedDataset(String datasetId) implements RowSource {
        public UploadedDataset {
            Objects.requireNonNull(datasetId, "datasetId");
        }
    }

    /**
     * Rows sent with the request (raw features; targets in the network's shape), already checked: submitting the
     * job stores them as its {@link JobRowsFile} before its record names them.
     */
    record RequestRows(Dataset rows) implements RowSource {
        public RequestRows {
            Objects.requireNonNull(rows, "rows");
        }
    }

    /** The job's own file of rows in the dataset format (docs/dataset-format.md), by its blob store key. */
    record JobRowsFile(String key) implements RowSource {
        public JobRowsFile {
            Objects.requireNonNull(key, "key");
        }
    }
}
