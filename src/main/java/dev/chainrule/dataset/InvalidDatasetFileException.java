package dev.chainrule.dataset;

import java.io.IOException;

/** A file that is not a complete, intact {@link DatasetFile}: a server-side fault, never the client's. */
public final class InvalidDatasetFileException extends IOException {
    InvalidDatasetFileException(String message) {
        super(message);
    }
}
