package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class GrowableFloatMatrixTest {

    @Test
    void rowsSpanningSeveralBlocksComeBackInOrder() {
        GrowableFloatMatrix matrix = new GrowableFloatMatrix(3, 2); // 2 rows per block: 7 rows use 4 blocks
        for (int r = 0; r < 7; r++) {
            matrix.appendRow(new float[] {r, r + 0.25f, -r});
        }

        INDArray m = matrix.toMatrix(DataType.FLOAT);

        assertThat(m.shape()).containsExactly(7, 3);
        assertThat(m.ordering()).isEqualTo('c');
        for (int r = 0; r < 7; r++) {
            assertThat(m.getRow(r).toFloatVector()).containsExactly(r, r + 0.25f, -r);
            assertThat(matrix.get(r, 1)).isEqualTo(r + 0.25f);
        }
        assertThat(matrix.toMatrix(DataType.DOUBLE).dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void appendCopiesTheRowSoTheCallerMayReuseIt() {
        GrowableFloatMatrix matrix = new GrowableFloatMatrix(2, 4);
        float[] row = {1, 2};
        matrix.appendRow(row);
        row[0] = 9;
        matrix.appendRow(row);

        assertThat(matrix.get(0, 0)).isEqualTo(1f);
        assertThat(matrix.get(1, 0)).isEqualTo(9f);
        assertThatThrownBy(() -> matrix.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void anEmptyMatrixHasZeroRows() {
        assertThat(new GrowableFloatMatrix(5).toMatrix(DataType.FLOAT).shape()).containsExactly(0, 5);
    }
}
