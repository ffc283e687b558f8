package dev.chainrule.dataset;

/** No dataset has this id (never uploaded, or deleted). */
public class DatasetNotFoundException extends RuntimeException {
    private final String id;

    public DatasetNotFoundException(String id) {
        super("no dataset with id '" + id + "'");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
