package dev.chainrule.storage;

import java.util.Map;

/** The orphan sweep on the data directory and the embedded H2 database. */
class OrphanSweepLocalTest extends OrphanSweepContract {
    @Override
    Map<String, Object> database() {
        return Map.of();
    }

    @Override
    Map<String, Object> storage() {
        return Map.of();
    }
}
