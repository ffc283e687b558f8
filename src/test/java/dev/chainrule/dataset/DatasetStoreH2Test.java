package dev.chainrule.dataset;

import java.util.Map;

/** The dataset store on the embedded default database (H2 in the data directory). */
class DatasetStoreH2Test extends DatasetStoreContract {
    @Override
    Map<String, Object> database() {
        return Map.of();
    }
}
