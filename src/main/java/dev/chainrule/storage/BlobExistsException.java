package dev.chainrule.storage;

import java.io.IOException;

/** A write under a key that already names an object: keys are never reused, so this is a bug, not a race to win. */
public class BlobExistsException extends IOException {
    public BlobExistsException(String key) {
        super("an object already exists under " + key);
    }
}
