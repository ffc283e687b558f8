package dev.chainrule.training;

import dev.chainrule.storage.PostgresDatabase;
import java.util.Map;

/** Scoring jobs stopped midway on PostgreSQL (.ci/run starts one; skipped elsewhere without it, saying so). */
@PostgresDatabase.Required
class ScoringResumePostgresTest extends ScoringResumeContract {
    private final Map<String, Object> database = PostgresDatabase.properties();

    @Override
    Map<String, Object> database() {
        return database;
    }
}
