package dev.chainrule.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PredictPathReport writes through Report and its file reads as the committed one: fed the per-round figures of
 * bench/results/2026-12-06-predict-path.md, it gives that file's facts, headings, medians and every round again.
 */
class PredictPathReportTest {
    private static final Path COMMITTED = Path.of("results/2026-12-06-predict-path.md"); // surefire runs in bench/

    @Test
    void rewritesTheCommittedFileFromItsOwnRounds() throws IOException {
        List<String> committed = Files.readAllLines(COMMITTED).stream().map(String::stripTrailing).toList();
        Map<String, double[][]> rates = new LinkedHashMap<>();
        Map<String, double[][]> cpu = new LinkedHashMap<>();
        for (String line : section(committed, "## Every round (samples/s)")) {
            if (!line.startsWith("| ") || line.startsWith("| system ")) {
                continue;
            }
            String[] cells = line.substring(2, line.length() - 2).split(" \\| ");
            String key = cells[0] + " | " + cells[1];
            int batch = cells[2].equals("1") ? 0 : 1;
            double[] rounds = Arrays.stream(cells, 3, cells.length).mapToDouble(c -> Double.parseDouble(c.replace(",", ""))).toArray();
            rates.computeIfAbsent(key, k -> new double[2][])[batch] = rounds;
            cpu.put(key, new double[][] {filled(7, 10), filled(7, 500)});
        }
        assertThat(rates).hasSize(9);
        String checks = committed.stream().filter(l -> l.startsWith("- Outputs agree")).findFirst().orElseThrow().substring(2);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("CPU", "AMD EPYC");
        environment.put("logical CPUs (JVM)", "2");
        environment.put("CPU flags (SIMD)", "avx avx2 avx512_bf16 avx512_vnni avx512f fma");
        List<String> loads = List.of(fact(committed, "Load per round (1, 5, 15 min)").split("; "));

        String markdown = new PredictPathReport("bench/run.sh --predict", "b81d80b",
                Instant.parse("2026-12-06T21:18:21.557668747Z"), environment,
                "21:17:37 up  8:06,  0 user,  load average: 1.51, 1.57, 1.64",
                "21:18:21 up  8:07,  0 user,  load average: 1.75, 1.61, 1.65", "lscpu's text", checks, null, 7, 300,
                rates, cpu, loads).markdown();
        List<String> written = Arrays.asList(markdown.split("\n"));

        assertThat(written.get(0)).isEqualTo(committed.get(0));
        for (String name : List.of("Command", "CPU", "uptime at start", "uptime at end", "Load per round (1, 5, 15 min)", "Rounds")) {
            assertThat(fact(written, name)).as(name).isEqualTo(fact(committed, name));
        }
        assertThat(written).contains("- " + checks, committed.stream().filter(l -> l.startsWith("The work:")).findFirst().orElseThrow());
        List<String> headings = committed.stream().filter(l -> l.startsWith("## ")).toList();
        assertThat(written.stream().filter(l -> l.startsWith("## ")).toList()).isEqualTo(headings);
        for (String heading : List.of("## Batch 1: samples/s, median (min - max)", "## Batch 128: samples/s, median (min - max)",
                "## Every round (samples/s)")) {
            assertThat(section(written, heading)).as(heading).isEqualTo(section(committed, heading));
        }
        List<String> ratioLabels = section(committed, "## Ratios per round (each system's best setting of the round), median (min - max)")
                .stream().map(l -> l.split(" \\| ")[0]).toList();
        assertThat(section(written, "## Ratios per round (each system's best setting of the round), median (min - max)")
                .stream().map(l -> l.split(" \\| ")[0]).toList()).isEqualTo(ratioLabels);
    }

    /** The lines from {@code heading} to the next heading. */
    private static List<String> section(List<String> lines, String heading) {
        int from = lines.indexOf(heading);
        assertThat(from).as(heading).isNotNegative();
        int to = from + 1;
        while (to < lines.size() && !lines.get(to).startsWith("## ")) {
            to++;
        }
        return lines.subList(from, to);
    }

    private static String fact(List<String> lines, String name) {
        String prefix = "- **" + name + ":** ";
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(name))
                .substring(prefix.length());
    }

    private static double[] filled(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }
}
