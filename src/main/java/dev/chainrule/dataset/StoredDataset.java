package dev.chainrule.dataset;

import java.time.Instant;

/**
 * An uploaded dataset as the service keeps it: its row in the database and its {@link DatasetFile}.
 *
 * @param id        the dataset's id
 * @param name      what the user called it
 * @param createdAt when the upload finished
 * @param sizeBytes the stored file's size (the float32 rows with their header and footer)
 * @param file      the file's path relative to the data directory
 * @param summary   rows, columns, statistics and class counts
 */
public record StoredDataset(String id, String name, Instant createdAt, long sizeBytes, String file, DatasetSummary summary) {
}
