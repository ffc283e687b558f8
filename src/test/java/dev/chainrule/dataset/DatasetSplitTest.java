package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.training.Dataset;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class DatasetSplitTest {

    @Test
    void randomSplitIsADeterministicPartition() {
        DatasetSplit split = DatasetSplit.random(100, 0.3, 42);

        assertThat(split.testRows()).hasSize(30).isSorted();
        assertThat(split.trainRows()).hasSize(70).isSorted();
        assertThat(IntStream.concat(Arrays.stream(split.trainRows()), Arrays.stream(split.testRows())).sorted().toArray())
                .isEqualTo(IntStream.range(0, 100).toArray());
        assertThat(DatasetSplit.random(100, 0.3, 42).testRows()).isEqualTo(split.testRows());
        assertThat(DatasetSplit.random(100, 0.3, 43).testRows()).isNotEqualTo(split.testRows());
        // not simply the first or last rows
        assertThat(split.testRows()).isNotEqualTo(IntStream.range(0, 30).toArray()).isNotEqualTo(IntStream.range(70, 100).toArray());
    }

    @Test
    void stratifiedSplitKeepsEachClassProportion() {
        int[] ids = new int[200];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i < 140 ? 0 : i < 180 ? 1 : 2; // 140, 40, 20
        }

        DatasetSplit split = DatasetSplit.stratified(ids, 0.25, 7);

        int[] testCounts = new int[3];
        for (int row : split.testRows()) {
            testCounts[ids[row]]++;
        }
        assertThat(testCounts).containsExactly(35, 10, 5);
        assertThat(split.trainRows()).hasSize(150);
        assertThat(DatasetSplit.stratified(ids, 0.25, 7).testRows()).isEqualTo(split.testRows());
        assertThat(DatasetSplit.stratified(ids, 0.25, 8).testRows()).isNotEqualTo(split.testRows());
    }

    @Test
    void trainAndTestTakeTheSplitsRowsOfADataset() {
        Dataset data = new Dataset(Nd4j.arange(10).castTo(DataType.FLOAT).reshape(10, 1),
                Nd4j.arange(10).castTo(DataType.FLOAT).mul(2).reshape(10, 1));
        DatasetSplit split = DatasetSplit.random(10, 0.4, 1);

        Dataset test = split.test(data);
        Dataset train = split.train(data);

        assertThat(test.features().toFloatVector()).containsExactly(Arrays.stream(split.testRows()).mapToObj(r -> (float) r)
                .toArray(Float[]::new));
        assertThat(test.targets().toFloatVector()).containsExactly(Arrays.stream(split.testRows()).mapToObj(r -> 2f * r)
                .toArray(Float[]::new));
        assertThat(train.size()).isEqualTo(6);
        assertThatThrownBy(() -> split.train(data.slice(0, 9))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsFractionsThatLeaveAPartEmpty() {
        assertThatThrownBy(() -> DatasetSplit.random(10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetSplit.random(10, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetSplit.random(10, 0.01, 1)).hasMessageContaining("0 test rows");
        assertThatThrownBy(() -> DatasetSplit.stratified(new int[] {0, 1, -1}, 0.5, 1)).hasMessageContaining("negative");
    }
}
