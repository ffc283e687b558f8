package dev.chainrule.client;

/** How a scoring job's result is downloaded ({@link ChainruleClient#downloadScores}). */
public enum ScoresFormat {
    /** A header row, then one line per dataset row. */
    CSV("/result.csv", ".csv"),
    /** The CSV, gzip-compressed. */
    CSV_GZIP("/result.csv?gzip=true", ".csv.gz"),
    /** The stored float32 file: a JSON header, then rows x columns little-endian float32 (docs/scoring.md). */
    FLOAT32("/result.f32", ".f32");

    private final String path;
    private final String extension;

    ScoresFormat(String path, String extension) {
        this.path = path;
        this.extension = extension;
    }

    String path() {
        return path;
    }

    /** The file name's ending the service gives this format. */
    public String extension() {
        return extension;
    }
}
