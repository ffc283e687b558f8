package dev.chainrule.engine.training;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.kernel.ReusedArray;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gathers a shuffled minibatch's rows into a reused buffer. */
public final class MinibatchRows {
    private MinibatchRows() {
    }

    /**
     * Copies rows order[from..to) of {@code source} into the buffer, one bulk copy per row: no index arrays and
     * no native op (ND4J's pullRows allocates objects per batch and was several times slower, bench/results). The
     * copies go through NIO views of the two arrays' memory, which Java copies without a JNI call per row (a JNI
     * call per row added up even for 10-wide target rows); a source past NIO's 2 GB reach is
     * copied by JNI memcpy instead.
     *
     * @param source a contiguous row-major matrix (not a view)
     */
    public static INDArray gather(INDArray source, int[] order, int from, int to, ReusedArray buffer) {
        if (source.isView() || source.ordering() != 'c') {
            throw new IllegalArgumentException("gather reads a contiguous row-major matrix, not a view");
        }
        INDArray batch = buffer.get(source.dataType(), to - from, source.columns());
        int width = source.dataType().width();
        long rowBytes = source.columns() * width;
        long sourceBytes = source.length() * width;
        if (sourceBytes <= Integer.MAX_VALUE) {
            // the copies wait on memory more than on the core: a large batch is gathered in blocks over the share
            int rows = to - from;
            int parts = Math.max(1, Math.min(ComputeThreads.shareOfCurrentThread(),
                    (int) (rows * rowBytes / MIN_PART_BYTES)));
            if (parts == 1) {
                copyRows(source, sourceBytes, batch, order, from, from, to, (int) rowBytes);
            } else {
                ComputeThreads.runInParts(parts, part -> copyRows(source, sourceBytes, batch, order, from,
                        from + rows * part / parts, from + rows * (part + 1) / parts, (int) rowBytes));
            }
            return batch;
        }
        BytePointer src = new BytePointer(source.data().addressPointer());
        BytePointer dst = new BytePointer(batch.data().addressPointer());
        for (int i = from; i < to; i++) {
            Pointer.memcpy(dst.position((i - from) * rowBytes), src.position(order[i] * rowBytes), rowBytes);
        }
        return batch;
    }

    /** The least bytes worth a block of their own. */
    static final long MIN_PART_BYTES = 1 << 17;

    /** Rows order[first..end) into the batch's rows first - from onwards. */
    private static void copyRows(INDArray source, long sourceBytes, INDArray batch, int[] order, int from, int first,
                                 int end, int row) {
        ByteBuffer src = bytes(source, sourceBytes);
        ByteBuffer dst = bytes(batch, batch.length() * source.dataType().width());
        for (int i = first; i < end; i++) {
            dst.put((i - from) * row, src, order[i] * row, row);
        }
    }

    /** The array's memory (it starts at its buffer's first element) as a direct NIO buffer of this many bytes. */
    private static ByteBuffer bytes(INDArray array, long length) {
        Pointer base = array.data().pointer();
        BytePointer start = new BytePointer(base);
        start.position(base.position() * array.dataType().width()).limit(start.position() + length);
        return start.asByteBuffer();
    }
}
