package dev.chainrule.model;

import dev.chainrule.storage.PostgresDatabase;
import java.util.Map;

/** The model store on PostgreSQL (.ci/run starts one; skipped elsewhere without it, saying so). */
@PostgresDatabase.Required
class ModelStorePostgresTest extends ModelStoreContract {
    private final Map<String, Object> database = PostgresDatabase.properties();

    @Override
    Map<String, Object> database() {
        return database;
    }
}
