package dev.chainrule.dataset;

import dev.chainrule.storage.PostgresDatabase;
import java.util.Map;

/** The dataset store on PostgreSQL (.ci/run starts one; skipped elsewhere without it, saying so). */
@PostgresDatabase.Required
class DatasetStorePostgresTest extends DatasetStoreContract {
    private final Map<String, Object> database = PostgresDatabase.properties();

    @Override
    Map<String, Object> database() {
        return database;
    }
}
