package dev.chainrule.training;

import dev.chainrule.storage.PostgresDatabase;
import java.util.Map;

/** Job resumption on PostgreSQL (.ci/run starts one; skipped elsewhere without it, saying so). */
@PostgresDatabase.Required
class JobResumePostgresTest extends JobResumeContract {
    private final Map<String, Object> database = PostgresDatabase.properties();

    @Override
    Map<String, Object> database() {
        return database;
    }
}
