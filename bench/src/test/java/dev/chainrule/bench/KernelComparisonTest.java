package dev.chainrule.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KernelComparison writes through Report and its file reads as the committed one does, line for line. */
class KernelComparisonTest {

    @Test
    void writesTheCommittedKernelsFileFromItsOwnFigures() throws IOException {
        Path committed = Path.of("results/2026-12-06-kernels.md"); // surefire runs in bench/
        List<String> lines = Files.readAllLines(committed);
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(lines.indexOf("|---|---|---|---|---|---|") + 1, lines.size())) {
            String[] cells = line.substring(2, line.length() - 2).split(" \\| ");
            assertThat(cells).hasSize(6);
            rows.add(cells);
        }
        assertThat(rows).hasSize(5);

        String markdown = KernelComparison.markdown(LocalDate.of(2026, 12, 6),
                "bench/run.sh --kernels --coretypes COOPERLAKE,SKYLAKEX,ZEN,HASWELL", "05951b1",
                "AMD EPYC (avx avx2 avx512_bf16 avx512_vnni avx512f fma), 2 logical CPUs", "0.3.31-1.5.13", 2, rows);

        assertThat(markdown).isEqualTo(Files.readString(committed));
    }
}
