package dev.chainrule.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.kernel.ReusedArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A minibatch holds the ordered rows of its source, gathered on one thread or in blocks over a share. */
class MinibatchRowsTest {

    @AfterEach
    void restore() {
        ComputeThreads.useShare(1);
        ComputeThreads.configureDefaults();
    }

    @Test
    void aBatchHoldsTheSourceRowsInTheirOrderOnOneThreadAndOnFour() {
        ComputeThreads.configure(1, 4);
        int rows = 300;
        int width = 784; // 128 rows of 784 floats: 401 KB, three blocks at least 128 KB each
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray source = Nd4j.rand(type, rows, width);
            int[] order = new int[rows];
            EpochOrder.fill(order, true, 7, 1);
            for (int share : new int[] {1, 4}) {
                ComputeThreads.useShare(share);
                ReusedArray buffer = new ReusedArray();
                for (int from : new int[] {0, 128, 256}) { // the last batch is short
                    int to = Math.min(rows, from + 128);
                    INDArray batch = MinibatchRows.gather(source, order, from, to, buffer);
                    assertThat(batch.rows()).isEqualTo(to - from);
                    for (int i = from; i < to; i++) {
                        assertThat(batch.getRow(i - from).toDoubleVector()).as("%s share %d row %d", type, share, i)
                                .containsExactly(source.getRow(order[i]).toDoubleVector());
                    }
                }
            }
        }
    }
}
