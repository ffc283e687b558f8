package dev.chainrule.faults;

import dev.chainrule.config.ChainruleProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A write that failed because the data directory's file system is full (ENOSPC) or the user's quota is spent
 * (EDQUOT): recognised from the error, counted ({@code chainrule.storage.full}) and logged at WARN at most once a
 * minute, however many requests it refused.
 */
@Component
public class StorageFull {
    /** The C library's messages for ENOSPC and EDQUOT, which the JDK's IOExceptions carry. */
    private static final String[] MESSAGES = {"No space left on device", "Disk quota exceeded"};
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;
    private static final Logger log = LoggerFactory.getLogger(StorageFull.class);

    private final Path dataDir;
    private final Counter full;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private final AtomicLong unlogged = new AtomicLong();

    public StorageFull(ChainruleProperties properties, MeterRegistry meters) {
        this.dataDir = properties.dataDir();
        this.full = Counter.builder("chainrule.storage.full")
                .description("Writes refused because the data directory's file system was full").register(meters);
    }

    /** Where the service writes, for messages: the data directory. */
    public Path location() {
        return dataDir;
    }

    /** Whether {@code error}, or anything that caused it, is a write refused for want of space. */
    public static boolean isCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null) {
                for (String message : MESSAGES) {
                    if (t.getMessage().contains(message)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Counts a refused write, and logs it unless one was logged in the last minute. */
    public void report(Throwable error, String what) {
        full.increment();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            long more = unlogged.getAndSet(0);
            log.warn("the data directory {} is full: {} was refused ({}){}", dataDir, what, error.getMessage(),
                    more == 0 ? "" : "; " + more + " more since the last warning");
        } else {
            unlogged.incrementAndGet();
        }
    }
}
