package dev.chainrule.training;

import java.util.Map;

/** Two replicas on the embedded H2 default: one process's contexts share the database file. */
class ReplicasH2Test extends ReplicasContract {

    @Override
    Map<String, Object> database() {
        return Map.of();
    }
}
