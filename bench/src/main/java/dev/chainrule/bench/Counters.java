package dev.chainrule.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Allocation counters read around a piece of code, on the calling thread:
 * <ul>
 *   <li>Java heap bytes allocated by this thread ({@code com.sun.management.ThreadMXBean});</li>
 *   <li>ND4J native objects created: ND4J 1.0.0-M2.1 draws a fresh id from its DeallocatorService for every
 *       native data buffer (arrays, scalars, views' buffers) and every op context (one per custom-op call:
 *       Mmul behind Nd4j.gemm, SoftMax, ...). The counter is cumulative, so a delta counts creations;</li>
 *   <li>JavaCPP pointers alive (net: allocations minus frees; e.g. the LongPointer pullRows builds);</li>
 *   <li>garbage collections.</li>
 * </ul>
 */
final class Counters {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final AtomicLong ND4J_IDS = nd4jIdCounter();

    static {
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    private Counters() {
    }

    record Snapshot(long heapBytes, long nd4jObjects, long javacppPointers, long gcCount) {
        Snapshot minus(Snapshot before) {
            return new Snapshot(heapBytes - before.heapBytes, nd4jObjects - before.nd4jObjects,
                    javacppPointers - before.javacppPointers, gcCount - before.gcCount);
        }
    }

    static Snapshot now() {
        return new Snapshot(heapBytes(), nd4jObjects(), Pointer.totalCount(), gcCount());
    }

    static long heapBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Cumulative count of ND4J native objects created so far, or -1 if the counter cannot be read. */
    static long nd4jObjects() {
        return ND4J_IDS == null ? -1 : ND4J_IDS.get();
    }

    static boolean nd4jCounterAvailable() {
        return ND4J_IDS != null;
    }

    static long gcCount() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    private static AtomicLong nd4jIdCounter() {
        try {
            Object service = Nd4j.getDeallocatorService();
            Field field = service.getClass().getDeclaredField("counter");
            field.setAccessible(true);
            return (AtomicLong) field.get(service);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
