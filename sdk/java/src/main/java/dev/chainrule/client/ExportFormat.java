package dev.chainrule.client;

/** The file format of an exported version ({@code GET /models/{id}/versions/{version}/export?format=...}). */
public enum ExportFormat {
    /** Chainrule's own model file (docs/model-format.md), which {@link ChainruleClient#importModel} reads back. */
    NATIVE("native", ".chainrule"),
    /** An ONNX model (IR 7, opset 13; docs/onnx-export.md): float32 rows in {@code input}, outputs in {@code output}. */
    ONNX("onnx", ".onnx");

    private final String queryValue;
    private final String extension;

    ExportFormat(String queryValue, String extension) {
        this.queryValue = queryValue;
        this.extension = extension;
    }

    /** The value of the {@code format} query parameter. */
    public String queryValue() {
        return queryValue;
    }

    /** The file name's ending the service gives this format. */
    public String extension() {
        return extension;
    }
}
