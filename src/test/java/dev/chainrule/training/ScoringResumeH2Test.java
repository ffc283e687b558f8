package dev.chainrule.training;

import java.util.Map;

/** Scoring jobs stopped midway, on the embedded default database. */
class ScoringResumeH2Test extends ScoringResumeContract {
    @Override
    Map<String, Object> database() {
        return Map.of();
    }
}
