import com.sun.management.GarbageCollectionNotificationInfo;
import dev.chainrule.dataset.CsvDatasetReader;
import dev.chainrule.dataset.DatasetFileWriter;
import dev.chainrule.dataset.DatasetSummary;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Streams one CSV through the service's upload path (CsvDatasetReader -> DatasetFileWriter, as POST /datasets
 * does) and reports the peak heap occupancy: the largest heap use seen just before any GC during the parse, or at
 * its end. Run by bench/dataset/run.sh as a single-file program against the packaged jar's classes, with a small
 * -Xmx so that finishing at all proves the bound.
 *
 *   java -Xmx64m -cp 'app.jar:lib/*' bench/dataset/StreamingParseHeap.java data.csv out.bin
 */
public class StreamingParseHeap {
    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.deleteIfExists(out);
        AtomicLong peakBeforeGc = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long used = 0;
                    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                        if (heapPool(pool.getKey())) {
                            used += pool.getValue().getUsed();
                        }
                    }
                    peakBeforeGc.accumulateAndGet(used, Math::max);
                    gcs.incrementAndGet();
                }
            }, null, null);
        }
        System.gc();
        long baseline = heapUsed();
        long started = System.nanoTime();
        DatasetSummary summary;
        try (InputStream in = Files.newInputStream(csv)) {
            summary = DatasetFileWriter.fromCsv(CsvDatasetReader.lastColumnAsTarget().withMaxColumns(10_000, null),
                    in, csv.getFileName().toString(), out);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long atEnd = heapUsed();
        Thread.sleep(200); // let the last GC notifications arrive
        long peak = Math.max(peakBeforeGc.get(), atEnd);
        long poolPeaks = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                poolPeaks += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("csv_bytes=%d%n", Files.size(csv));
        System.out.printf("dataset_file_bytes=%d%n", Files.size(out));
        System.out.printf("rows=%d%nfeatures=%d%ntargets=%d%n", summary.rows(), summary.featureColumns().size(), summary.targetColumns().size());
        System.out.printf("seconds=%.2f%nmb_per_second=%.1f%n", seconds, Files.size(csv) / 1e6 / seconds);
        System.out.printf("max_heap_bytes=%d%n", Runtime.getRuntime().maxMemory());
        System.out.printf("baseline_heap_bytes=%d%n", baseline);
        System.out.printf("peak_heap_bytes=%d%n", peak);
        System.out.printf("sum_of_pool_peaks_bytes=%d%n", poolPeaks);
        System.out.printf("gcs=%d%n", gcs.get());
    }

    private static boolean heapPool(String name) {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals(name)) {
                return pool.getType() == MemoryType.HEAP;
            }
        }
        return false;
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
