package dev.chainrule.model;

import java.util.Map;

/** The model store on the embedded default database (H2 in the data directory). */
class ModelStoreH2Test extends ModelStoreContract {
    @Override
    Map<String, Object> database() {
        return Map.of();
    }
}
