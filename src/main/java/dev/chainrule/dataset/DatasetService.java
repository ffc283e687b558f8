package dev.chainrule.dataset;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.model.Page;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.DatabaseTime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Uploaded datasets: each CSV is streamed into a {@link DatasetFile} in a local temp file, which is stored whole in
 * the blob store under a fresh key before its row is inserted, so a failed or interrupted upload leaves neither a
 * row nor (after the orphan sweep) an object. Memory holds one row of the CSV at a time, whatever its size.
 */
@Service
public class DatasetService {
    static final String MAX_COLUMNS_SETTING = "chainrule.limits.max-dataset-columns";
    static final String MAX_SIZE_SETTING = "chainrule.limits.max-dataset-size";
    static final String MAX_GZIP_RATIO_SETTING = "chainrule.limits.max-gzip-ratio";
    private static final Logger log = LoggerFactory.getLogger(DatasetService.class);

    private final DatasetRepository repository;
    private final BlobStore files;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final ObjectProvider<DatasetUsage> usage;
    private final int maxColumns;
    private final long maxBytes;
    private final int maxGzipRatio;

    public DatasetService(DatasetRepository repository, BlobStore files, TransactionTemplate transaction, Clock clock,
                          ObjectProvider<DatasetUsage> usage, ChainruleProperties properties) {
        this.repository = repository;
        this.files = files;
        this.transaction = transaction;
        this.clock = clock;
        this.usage = usage;
        this.maxColumns = properties.limits().maxDatasetColumns();
        this.maxBytes = properties.limits().maxDatasetSize().toBytes();
        this.maxGzipRatio = properties.limits().maxGzipRatio();
    }

    /**
     * Reads a CSV to its end and stores it.
     *
     * @param source  how error messages name the upload (its file name)
     * @param targets the target columns' names; empty for the last column
     * @throws InvalidCsvException      the CSV's first problem, with its line and column; nothing is stored
     * @throws DatasetTooLargeException more than chainrule.limits.max-dataset-size of CSV, or a gzip upload that
     *                                  inflates past chainrule.limits.max-gzip-ratio; nothing is stored
     */
    public StoredDataset upload(InputStream csv, String source, String name, List<String> targets) throws IOException {
        CsvDatasetReader reader = CsvDatasetReader.targetColumns(targets).withMaxColumns(maxColumns, MAX_COLUMNS_SETTING)
                .withMaxBytes(maxBytes, MAX_SIZE_SETTING).withMaxGzipRatio(maxGzipRatio, MAX_GZIP_RATIO_SETTING);
        Path temp = files.newTempFile();
        try {
            DatasetSummary summary;
            try {
                summary = DatasetFileWriter.fromCsv(reader, csv, source, temp);
            } catch (DatasetTooLargeException e) {
                // a gzip bomb is refused within its first megabytes: read the rest (dropped, bounded by the request's
                // size limit), so that an HTTP client reads the 413 rather than a reset of a connection with bytes unread
                drain(csv);
                throw e;
            }
            long size = Files.size(temp);
            String id = UUID.randomUUID().toString();
            String file = "datasets/" + id + ".bin";
            files.putFile(file, temp);
            // microseconds: what the database keeps, so the dataset reads back as it was created
            StoredDataset dataset = new StoredDataset(id, name, DatabaseTime.now(clock), size, file, summary);
            try {
                repository.insert(dataset);
            } catch (RuntimeException e) {
                deleteObject(file);
                throw e;
            }
            return dataset;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[1 << 16];
        try {
            while (in.read(buffer) >= 0) {
                // dropped
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or the body passed its size limit: the connection closes either way
        }
    }

    public StoredDataset get(String id) {
        return repository.find(id).orElseThrow(() -> new DatasetNotFoundException(id));
    }

    /** A page of datasets, oldest first. */
    public Page<StoredDataset> list(int page, int size) {
        List<StoredDataset> items = repository.page((int) Math.min((long) page * size, Integer.MAX_VALUE), size);
        return new Page<>(items, page, size, repository.count());
    }

    /** Deletes the dataset's row, then its file; refused while a queued or running job reads it. */
    public void delete(String id) {
        StoredDataset deleted = transaction.execute(status -> {
            StoredDataset dataset = repository.lock(id).orElseThrow(() -> new DatasetNotFoundException(id));
            DatasetUsage jobs = usage.getIfAvailable();
            if (jobs != null && jobs.usedByActiveJob(id)) {
                throw new DatasetInUseException(id);
            }
            repository.delete(id);
            return dataset;
        });
        // the row is gone, so nothing names the object any more; what is not deleted here the orphan sweep removes
        deleteObject(deleted.file());
    }

    private void deleteObject(String key) {
        try {
            files.delete(key);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot delete {} from {}; the orphan sweep will", key, files.location(), e);
        }
    }

    /**
     * Locks the dataset's row until the caller's transaction ends, so that a job record naming the dataset, inserted
     * in that transaction, and {@link #delete} take turns: the delete then sees the job, or the job finds no dataset.
     *
     * @throws DatasetNotFoundException when it was deleted
     */
    public StoredDataset lockForJob(String id) {
        return repository.lock(id).orElseThrow(() -> new DatasetNotFoundException(id));
    }

    /** The dataset's rows in order, a chunk at a time, from its local file or a cached download; the caller closes it. */
    public DatasetRows rows(StoredDataset dataset) throws IOException {
        return DatasetFile.open(files.localCopy(dataset.file())).rows();
    }
}
