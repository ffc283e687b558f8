package dev.chainrule.engine.model;

import dev.chainrule.engine.Network;
import dev.chainrule.engine.Parameter;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.optim.OptimiserState;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.engine.training.TrainingCheckpoint;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A training checkpoint as one stream, in the model file's layout (docs/model-format.md, "The checkpoint
 * file"): magic "CHAINRULE-CHKPT\n", header length, a JSON header with the epoch count, best-epoch tracking,
 * optimiser kind and step count and the history, then the arrays: the parameters, the optimiser's arrays and,
 * when early stopping restores the best epoch, the best epoch's parameters.
 *
 * <p>A checkpoint does not describe its network: the reader is given the network it is for (the job's model
 * definition says which), and every array must have that network's names, shapes and data type.
 */
public final class CheckpointFile {
    public static final int FORMAT_VERSION = 1;
    private static final String FORMAT = "chainrule-checkpoint";
    private static final ArrayFileLayout LAYOUT = new ArrayFileLayout("CHAINRULE-CHKPT\n", "checkpoint",
            InvalidCheckpointFileException::new);

    private CheckpointFile() {
    }

    public static void write(TrainingCheckpoint checkpoint, OutputStream out) throws IOException {
        Map<String, INDArray> parameters = checkpoint.parameters();
        DataType type = parameters.isEmpty() ? DataType.FLOAT : parameters.values().iterator().next().dataType();
        ObjectNode header = ArrayFileLayout.JSON.createObjectNode();
        header.put("format", FORMAT);
        header.put("formatVersion", FORMAT_VERSION);
        header.put("dataType", ArrayFileLayout.typeName(type));
        header.put("epochsCompleted", checkpoint.epochsCompleted());
        TrainingCheckpoint.BestSoFar best = checkpoint.best();
        ObjectNode bestNode = header.putObject("best");
        putNumber(bestNode, "loss", best.loss());
        bestNode.put("epoch", best.epoch());
        bestNode.put("epochsWithoutImprovement", best.epochsWithoutImprovement());
        bestNode.put("hasParameters", best.parameters() != null);
        OptimiserState optimiser = checkpoint.optimiser();
        header.putObject("optimiser").put("kind", optimiser.kind().name().toLowerCase(Locale.ROOT))
                .put("steps", optimiser.steps());
        ArrayNode history = header.putArray("history");
        for (EpochReport report : checkpoint.history()) {
            ObjectNode r = history.addObject();
            r.put("epoch", report.epoch());
            putNumber(r, "trainingLoss", report.trainingLoss());
            putMetrics(r.putObject("trainingMetrics"), report.trainingMetrics());
            if (report.validationLoss() == null) {
                r.putNull("validationLoss");
            } else {
                putNumber(r, "validationLoss", report.validationLoss());
            }
            putMetrics(r.putObject("validationMetrics"), report.validationMetrics());
            r.put("durationNanos", report.durationNanos());
        }

        // names in the file: parameters/<p>, optimiser/<p>/<slot>, best/<p>, with <p> a parameter's name
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, array) -> arrays.put("parameters/" + name, array));
        optimiser.arrays().forEach((name, array) -> arrays.put("optimiser/" + name, array));
        if (best.parameters() != null) {
            best.parameters().forEach((name, array) -> arrays.put("best/" + name, array));
        }
        ArrayNode list = header.putArray("arrays");
        for (Map.Entry<String, INDArray> entry : arrays.entrySet()) {
            if (entry.getValue().dataType() != type) {
                throw new IllegalArgumentException(entry.getKey() + " is " + entry.getValue().dataType() + "; the checkpoint is " + type);
            }
            ArrayFileLayout.describe(list, entry.getKey(), entry.getValue());
        }
        LAYOUT.writeHeader(header, out);
        for (INDArray array : arrays.values()) {
            ArrayFileLayout.writeValues(array, out);
        }
        out.flush();
    }

    /**
     * Reads a checkpoint of a run that trains {@code network} (only its parameter names, shapes and data type
     * are used; its values are left alone).
     *
     * @throws InvalidCheckpointFileException if the stream is not such a checkpoint; the message says why
     */
    public static TrainingCheckpoint read(InputStream stream, Network network) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        JsonNode header = LAYOUT.readHeader(in);
        int version = header.path("formatVersion").asInt(-1);
        if (!FORMAT.equals(header.path("format").asString(null)) || version != FORMAT_VERSION) {
            throw LAYOUT.invalid("unsupported format " + header.path("format") + " version " + version);
        }
        DataType type = LAYOUT.parseType(header.path("dataType").asString(""));
        if (type != network.dataType()) {
            throw LAYOUT.invalid("the checkpoint holds " + ArrayFileLayout.typeName(type) + " arrays; the network computes in "
                    + ArrayFileLayout.typeName(network.dataType()));
        }
        int epochsCompleted;
        JsonNode best;
        OptimiserSettings.Kind kind;
        long steps;
        boolean hasBestParameters;
        List<EpochReport> history = new ArrayList<>();
        try {
            epochsCompleted = header.required("epochsCompleted").asInt();
            best = header.required("best");
            hasBestParameters = best.required("hasParameters").asBoolean();
            JsonNode optimiser = header.required("optimiser");
            kind = OptimiserSettings.Kind.parse(optimiser.required("kind").asString());
            steps = optimiser.required("steps").asLong();
            for (JsonNode r : header.required("history")) {
                JsonNode validationLoss = r.required("validationLoss");
                history.add(new EpochReport(r.required("epoch").asInt(), number(r.required("trainingLoss")),
                        metrics(r.required("trainingMetrics")), validationLoss.isNull() ? null : number(validationLoss),
                        metrics(r.required("validationMetrics")), r.required("durationNanos").asLong()));
            }
        } catch (JacksonException | IllegalArgumentException e) {
            throw LAYOUT.invalid("invalid header: " + e.getMessage());
        }

        // the arrays the header must list, in this order: every one's name and shape follow from the network
        List<Parameter> parameters = network.parameters();
        List<String> expectedNames = new ArrayList<>();
        List<long[]> expectedShapes = new ArrayList<>();
        for (Parameter p : parameters) {
            expectedNames.add("parameters/" + p.name());
            expectedShapes.add(p.value().shape());
        }
        JsonNode listed = header.path("arrays");
        List<String> slots = OptimiserState.slots(kind);
        // the optimiser lists either no arrays (no step yet) or every slot of every parameter, sorted by name
        int optimiserArrayCount = listed.size() - parameters.size() * (hasBestParameters ? 2 : 1);
        if (optimiserArrayCount != 0) {
            List<String> optimiserNames = new ArrayList<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Parameter p : parameters) {
                for (String slot : slots) {
                    optimiserNames.add(p.name() + "/" + slot);
                    shapes.put(p.name() + "/" + slot, p.value().shape());
                }
            }
            optimiserNames.sort(null);
            for (String name : optimiserNames) {
                expectedNames.add("optimiser/" + name);
                expectedShapes.add(shapes.get(name));
            }
        }
        if (hasBestParameters) {
            for (Parameter p : parameters) {
                expectedNames.add("best/" + p.name());
                expectedShapes.add(p.value().shape());
            }
        }
        if (!listed.isArray() || listed.size() != expectedNames.size()) {
            throw LAYOUT.invalid("header lists " + listed.size() + " arrays; a " + kind.name().toLowerCase(Locale.ROOT)
                    + " checkpoint of this network has " + expectedNames.size());
        }
        Map<String, INDArray> parameterValues = new LinkedHashMap<>();
        Map<String, INDArray> optimiserArrays = new LinkedHashMap<>();
        Map<String, INDArray> bestValues = hasBestParameters ? new LinkedHashMap<>() : null;
        for (int i = 0; i < expectedNames.size(); i++) {
            String name = expectedNames.get(i);
            LAYOUT.requireEntry(listed.get(i), i, name, expectedShapes.get(i));
            INDArray array = Nd4j.create(type, expectedShapes.get(i), 'c');
            LAYOUT.readValues(in, array, name);
            int slash = name.indexOf('/');
            switch (name.substring(0, slash)) {
                case "parameters" -> parameterValues.put(name.substring(slash + 1), array);
                case "optimiser" -> optimiserArrays.put(name.substring(slash + 1), array);
                default -> bestValues.put(name.substring(slash + 1), array);
            }
        }
        LAYOUT.requireEnd(in);
        try {
            return new TrainingCheckpoint(epochsCompleted, parameterValues, new OptimiserState(kind, steps, optimiserArrays),
                    new TrainingCheckpoint.BestSoFar(number(best.required("loss")), best.required("epoch").asInt(),
                            best.required("epochsWithoutImprovement").asInt(), bestValues),
                    history);
        } catch (JacksonException | IllegalArgumentException e) {
            throw LAYOUT.invalid("inconsistent checkpoint: " + e.getMessage());
        }
    }

    /** JSON has no NaN or infinities: those are written as the strings "NaN", "Infinity", "-Infinity". */
    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.put(field, Double.toString(value));
        }
    }

    private static void putMetrics(ObjectNode node, Map<String, Double> metrics) {
        metrics.forEach((name, value) -> putNumber(node, name, value));
    }

    private static double number(JsonNode node) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        return switch (node.asString("")) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("expected a number, got " + node);
        };
    }

    private static Map<String, Double> metrics(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("metrics must be an object, got " + node);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            out.put(entry.getKey(), number(entry.getValue()));
        }
        return out;
    }

    /** A stream that is not a readable Chainrule checkpoint (of the given network); the message says why. */
    public static final class InvalidCheckpointFileException extends IOException {
        public InvalidCheckpointFileException(String message) {
            super(message);
        }
    }
}
