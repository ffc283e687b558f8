package dev.chainrule.dataset;

import dev.chainrule.storage.DatabaseTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** The datasets table (db/migration). Rows only: the files are DatasetService's. */
@Repository
class DatasetRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcClient db;

    DatasetRepository(JdbcClient db) {
        this.db = db;
    }

    void insert(StoredDataset dataset) {
        db.sql("""
                INSERT INTO datasets (id, name, row_count, size_bytes, summary, file, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(dataset.id(), dataset.name(), dataset.summary().rows(), dataset.sizeBytes(),
                        JSON.writeValueAsString(dataset.summary()), dataset.file(), DatabaseTime.parameter(dataset.createdAt()))
                .update();
    }

    Optional<StoredDataset> find(String id) {
        return db.sql("SELECT * FROM datasets WHERE id = ?").param(id).query(DatasetRepository::row).optional();
    }

    /** Locks the dataset's row until the transaction ends, so deletion and a job's claim take turns. */
    Optional<StoredDataset> lock(String id) {
        return db.sql("SELECT * FROM datasets WHERE id = ? FOR UPDATE").param(id).query(DatasetRepository::row).optional();
    }

    List<StoredDataset> page(int offset, int limit) {
        return db.sql("SELECT * FROM datasets ORDER BY seq LIMIT ? OFFSET ?").params(limit, offset)
                .query(DatasetRepository::row).list();
    }

    long count() {
        return db.sql("SELECT count(*) FROM datasets").query(Long.class).single();
    }

    void delete(String id) {
        db.sql("DELETE FROM datasets WHERE id = ?").param(id).update();
    }

    private static StoredDataset row(ResultSet rs, int row) throws SQLException {
        return new StoredDataset(rs.getString("id"), rs.getString("name"), DatabaseTime.read(rs, "created_at"),
                rs.getLong("size_bytes"), rs.getString("file"), JSON.readValue(rs.getString("summary"), DatasetSummary.class));
    }
}
