package dev.chainrule.training;

import java.util.Map;

/** Job resumption on the embedded default database. */
class JobResumeH2Test extends JobResumeContract {
    @Override
    Map<String, Object> database() {
        return Map.of();
    }
}
