package dev.chainrule.storage;

import java.io.IOException;

/** The object store could not be reached or answered with a server error: nothing about the request, worth a retry. */
public class StorageUnavailableException extends IOException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code error}, or anything that caused it, says the object store is unavailable. */
    public static boolean isCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StorageUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
