package dev.chainrule.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.config.ChainruleProperties;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Trials drawn from a search space, and the share of workers they may hold, at its edges. */
class SearchSpaceTest {
    private static SearchSpace space() {
        Map<String, List<Object>> fields = new LinkedHashMap<>();
        fields.put("units", List.of(4, 8, 16));
        fields.put("learningRate", List.of(0.01, 0.1));
        fields.put("activation", List.of("tanh", "relu"));
        return new SearchSpace(fields);
    }

    @Test
    void aGridIsEveryCombinationTheFirstFieldSlowest() {
        List<Map<String, Object>> grid = space().grid();
        assertThat(grid).hasSize(12);
        assertThat(grid.get(0)).containsExactly(Map.entry("units", 4), Map.entry("learningRate", 0.01), Map.entry("activation", "tanh"));
        assertThat(grid.get(1)).containsExactly(Map.entry("units", 4), Map.entry("learningRate", 0.01), Map.entry("activation", "relu"));
        assertThat(grid.get(2)).containsExactly(Map.entry("units", 4), Map.entry("learningRate", 0.1), Map.entry("activation", "tanh"));
        assertThat(grid.get(11)).containsExactly(Map.entry("units", 16), Map.entry("learningRate", 0.1), Map.entry("activation", "relu"));
        assertThat(new HashSet<>(grid)).hasSize(12);
    }

    @Test
    void aRandomDrawIsDistinctAndTheSameForTheSameSeed() {
        List<Map<String, Object>> first = space().random(7, 42);
        assertThat(first).isEqualTo(space().random(7, 42)).hasSize(7);
        assertThat(new HashSet<>(first)).hasSize(7);
        assertThat(space().grid()).containsAll(first);
        assertThat(space().random(7, 43)).isNotEqualTo(first);
        // the draw is java.util.Random's: each field's index from nextInt, in the fields' order
        Random random = new Random(42);
        List<Object> units = List.of(4, 8, 16);
        List<Object> rates = List.of(0.01, 0.1);
        List<Object> activations = List.of("tanh", "relu");
        assertThat(first.get(0)).containsExactly(Map.entry("units", units.get(random.nextInt(3))),
                Map.entry("learningRate", rates.get(random.nextInt(2))), Map.entry("activation", activations.get(random.nextInt(2))));
        // the whole space, drawn: every combination once
        assertThat(new HashSet<>(space().random(12, 1))).isEqualTo(new HashSet<>(space().grid()));
        assertThatThrownBy(() -> space().random(13, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theShareOfWorkersIsFloorOfShareTimesWorkersAndAtLeastOne() {
        assertThat(new ChainruleProperties.Sweeps(0, 0.5, null).trialSlots(4)).isEqualTo(2);
        assertThat(new ChainruleProperties.Sweeps(0, 0.5, null).trialSlots(5)).isEqualTo(2);
        assertThat(new ChainruleProperties.Sweeps(0, 0.5, null).trialSlots(1)).isEqualTo(1);
        assertThat(new ChainruleProperties.Sweeps(0, 0.1, null).trialSlots(4)).isEqualTo(1);
        assertThat(new ChainruleProperties.Sweeps(0, 0.3, null).trialSlots(10)).isEqualTo(3);
        assertThat(new ChainruleProperties.Sweeps(0, 1.0, null).trialSlots(6)).isEqualTo(6);
        assertThat(new ChainruleProperties.Sweeps(0, null, null).maxWorkerShare()).isEqualTo(0.5);
        assertThat(new ChainruleProperties.Sweeps(0, null, null).maxTrials()).isEqualTo(100);
        assertThatThrownBy(() -> new ChainruleProperties.Sweeps(0, 1.5, null)).hasMessageContaining("max-worker-share");
        assertThatThrownBy(() -> new ChainruleProperties.Sweeps(0, 0.0, null)).hasMessageContaining("max-worker-share");
    }
}
