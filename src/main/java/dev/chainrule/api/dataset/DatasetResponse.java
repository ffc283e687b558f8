package dev.chainrule.api.dataset;

import dev.chainrule.dataset.ColumnStatistics;
import dev.chainrule.dataset.StoredDataset;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A dataset as POST /datasets and GET /datasets/{id} show it; classCounts only for a class target. */
public record DatasetResponse(String id, String name, long rows, Instant createdAt, long sizeBytes,
                              List<String> featureColumns, List<String> targetColumns, List<ColumnStatistics> columns,
                              Map<String, Long> classCounts) {

    static DatasetResponse of(StoredDataset dataset) {
        var summary = dataset.summary();
        Map<String, Long> counts = null;
        if (summary.classCounts() != null) {
            // ascending class ids, as numbers order, not as strings ("10" after "9")
            Map<Integer, Long> sorted = new TreeMap<>(summary.classCounts());
            counts = new java.util.LinkedHashMap<>();
            for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
                counts.put(Integer.toString(e.getKey()), e.getValue());
            }
        }
        return new DatasetResponse(dataset.id(), dataset.name(), summary.rows(), dataset.createdAt(), dataset.sizeBytes(),
                summary.featureColumns(), summary.targetColumns(), summary.columns(), counts);
    }
}
