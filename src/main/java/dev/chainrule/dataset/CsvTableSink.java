package dev.chainrule.dataset;

import java.util.Arrays;
import java.util.List;

/** Keeps the rows in growing float blocks, with their line numbers, for a {@link CsvTable}. */
final class CsvTableSink implements CsvRowSink {
    private final String source;
    private List<String> featureNames;
    private List<String> targetNames;
    private GrowableFloatMatrix features;
    private GrowableFloatMatrix targets;
    private int[] lines = new int[1024];

    CsvTableSink(String source) {
        this.source = source;
    }

    @Override
    public void columns(List<String> featureNames, List<String> targetNames) {
        this.featureNames = featureNames;
        this.targetNames = targetNames;
        features = new GrowableFloatMatrix(featureNames.size());
        targets = new GrowableFloatMatrix(targetNames.size());
    }

    @Override
    public void row(float[] featureRow, float[] targetRow, long line) {
        int row = features.rows();
        if (row == lines.length) {
            lines = Arrays.copyOf(lines, Math.addExact(row, row >> 1));
        }
        lines[row] = Math.toIntExact(line);
        features.appendRow(featureRow);
        targets.appendRow(targetRow);
    }

    CsvTable table() {
        return new CsvTable(source, featureNames, targetNames, features, targets, Arrays.copyOf(lines, features.rows()));
    }
}
