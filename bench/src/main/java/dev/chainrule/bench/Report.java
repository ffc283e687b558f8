package dev.chainrule.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one writer of bench/results files: every run's Markdown starts with its title, what it measured, the facts
 * of the run (command, engine revision, start, duration, the load and what it means for the figures), then its
 * sections of paragraphs and tables, and the environment (CPU, kernel, JVM, OpenBLAS, thread variables) as a
 * table. EngineReport, ComparisonReport, Dl4jReport, PredictPathReport, KernelComparison and MemoryFootprint say
 * what goes in; this class says how it is written.
 */
final class Report {

    /**
     * What every run records about itself.
     *
     * @param environment what {@link EnvironmentInfo#collect} found, plus "load average at end" when the run adds it
     * @param loads       the 1-, 5- and 15-minute load averages the run read (at least at start and end)
     */
    record Run(ZonedDateTime started, String command, String revision, double wallSeconds,
               Map<String, String> environment, List<String> loads) {

        /** The highest 1-minute load average the run saw (NaN if none could be read). */
        double busiest() {
            double worst = Double.NaN;
            for (String load : loads) {
                double one = firstNumber(load);
                if (!Double.isNaN(one) && !(one <= worst)) {
                    worst = one;
                }
            }
            return worst;
        }

        /** Whether the load reached half the cores (or could not be read): the figures then are preliminary. */
        boolean busy() {
            double worst = busiest();
            return Double.isNaN(worst) || worst > 0.5 * Runtime.getRuntime().availableProcessors();
        }

        String date() {
            return started.format(DateTimeFormatter.ISO_LOCAL_DATE);
        }

        /** The load averages at start and end from the environment entries EnvironmentInfo and the runs write. */
        static List<String> startAndEnd(Map<String, String> environment) {
            return List.of(environment.getOrDefault("load average at start", ""),
                    environment.getOrDefault("load average at end", ""));
        }
    }

    private final StringBuilder md = new StringBuilder();

    /** "# title", then the paragraph saying what was measured. */
    Report(String title, String whatWasMeasured) {
        line("# " + title);
        line();
        line(whatWasMeasured);
        line();
    }

    /** A "- **name:** value" line of the facts under the title. */
    Report fact(String name, String value) {
        return line("- **" + name + ":** " + value);
    }

    /** The command, the engine's revision and the start with the run's duration ({@code started} adds to it). */
    Report runFacts(Run run, String started) {
        fact("Command", "`" + run.command() + "`");
        fact("Engine revision", "`" + run.revision() + "`");
        return fact("Started", run.started().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + "; whole run "
                + f1(run.wallSeconds()) + " s" + started);
    }

    /** The status line: quiet, or busy with what that means for these figures ({@code busyAdvice}). */
    Report status(Run run, String busyAdvice) {
        int cores = Runtime.getRuntime().availableProcessors();
        return fact("Status", run.busy()
                ? "**preliminary**: the machine was busy (1-minute load average up to " + f1(run.busiest()) + " on " + cores
                        + " cores), so other processes took CPU time from these measurements; " + busyAdvice
                : "the machine looked quiet (1-minute load average at most " + f1(run.busiest()) + " on " + cores
                        + " cores).");
    }

    Report section(String heading) {
        line("## " + heading);
        return line();
    }

    /** A paragraph (or a Markdown list item, or a bold caption) and the blank line after it. */
    Report paragraph(String text) {
        line(text);
        return line();
    }

    /** A table's header row and its rule. */
    Report table(String... columns) {
        return table(List.of(columns));
    }

    Report table(List<String> columns) {
        line("| " + String.join(" | ", columns) + " |");
        return line("|" + "---|".repeat(columns.size()));
    }

    /** One table row; a '|' inside a cell is escaped. */
    Report row(Object... cells) {
        StringBuilder row = new StringBuilder("|");
        for (Object cell : cells) {
            row.append(' ').append(String.valueOf(cell).replace("|", "\\|")).append(" |");
        }
        return line(row.toString());
    }

    /** A row written as is (cells already joined, e.g. with bold markers around a ratio). */
    Report rawRow(String row) {
        return line(row);
    }

    /** The environment section: {@code intro}, then every entry and the {@code extra} rows as a two-column table. */
    Report environment(String intro, Map<String, String> environment, Map<String, String> extra) {
        section("Environment");
        if (intro != null) {
            paragraph(intro);
        }
        table("what", "value");
        environment.forEach(this::row);
        extra.forEach(this::row);
        return line();
    }

    Report line(String text) {
        md.append(text).append('\n');
        return this;
    }

    Report line() {
        md.append('\n');
        return this;
    }

    String markdown() {
        return md.toString();
    }

    static double firstNumber(String text) {
        try {
            return Double.parseDouble(text.trim().split("\\s+")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** {@code pattern} applied to {@code value}, "-" for NaN. */
    static String fmt(String pattern, double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, pattern, value);
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }
}
