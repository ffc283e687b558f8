package dev.chainrule.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A row-major float matrix that grows one row at a time, for a reader that does not know the row count in
 * advance. Rows go into fixed-size blocks of whole rows, so growing never copies what is already stored and a
 * large file never needs twice its size in one array; {@link #toMatrix} copies the blocks into an INDArray.
 */
final class GrowableFloatMatrix {
    /** About 4 MB of floats per block. */
    static final int BLOCK_FLOATS = 1 << 20;

    private final int columns;
    private final int rowsPerBlock;
    private final List<float[]> blocks = new ArrayList<>();
    private int rows;

    GrowableFloatMatrix(int columns) {
        this(columns, Math.max(1, BLOCK_FLOATS / columns));
    }

    /** With a chosen block height, so tests can cross block boundaries with a few rows. */
    GrowableFloatMatrix(int columns, int rowsPerBlock) {
        if (columns <= 0 || rowsPerBlock <= 0) {
            throw new IllegalArgumentException("columns and rowsPerBlock must be positive, got " + columns + ", " + rowsPerBlock);
        }
        this.columns = columns;
        this.rowsPerBlock = rowsPerBlock;
    }

    /** Copies {@code columns} values from {@code row} as the next row. */
    void appendRow(float[] row) {
        int inBlock = rows % rowsPerBlock;
        if (inBlock == 0) {
            blocks.add(new float[Math.multiplyExact(rowsPerBlock, columns)]);
        }
        System.arraycopy(row, 0, blocks.get(blocks.size() - 1), inBlock * columns, columns);
        rows = Math.addExact(rows, 1);
    }

    float get(int row, int column) {
        if (row < 0 || row >= rows || column < 0 || column >= columns) {
            throw new IndexOutOfBoundsException("(" + row + ", " + column + ") outside " + rows + " x " + columns);
        }
        return blocks.get(row / rowsPerBlock)[(row % rowsPerBlock) * columns + column];
    }

    int rows() {
        return rows;
    }

    int columns() {
        return columns;
    }

    /** The rows x columns matrix as a new row-major INDArray of the given type. */
    INDArray toMatrix(DataType type) {
        INDArray matrix = Nd4j.create(DataType.FLOAT, new long[] {rows, columns}, 'c');
        for (int b = 0; b < blocks.size(); b++) {
            int from = b * rowsPerBlock;
            int height = Math.min(rowsPerBlock, rows - from);
            float[] block = blocks.get(b);
            float[] values = height == rowsPerBlock ? block : Arrays.copyOf(block, height * columns);
            INDArray part = Nd4j.create(values, new long[] {height, columns}, 'c');
            matrix.get(NDArrayIndex.interval(from, from + height), NDArrayIndex.all()).assign(part);
        }
        return type == DataType.FLOAT ? matrix : matrix.castTo(type);
    }
}
