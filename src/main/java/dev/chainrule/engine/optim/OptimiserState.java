package dev.chainrule.engine.optim;

import dev.chainrule.engine.Parameter;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What an optimiser carries from one step to the next, so that a restored optimiser makes the very same
 * updates: its kind, Adam's step count t (0 for the others) and its arrays, named "parameter/slot" (for
 * example "layer1.W/velocity", "layer1.W/m", "layer1.W/v"), sorted by name so files list them in a stable
 * order. The arrays are copies, owned by this state; treat them as read-only.
 */
public record OptimiserState(OptimiserSettings.Kind kind, long steps, Map<String, INDArray> arrays) {

    public OptimiserState {
        Objects.requireNonNull(kind, "kind");
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        arrays = Collections.unmodifiableMap(new TreeMap<>(arrays));
        List<String> slots = slots(kind);
        Map<String, Integer> slotsPerParameter = new HashMap<>();
        for (String name : arrays.keySet()) {
            int slash = name.lastIndexOf('/');
            if (slash <= 0 || !slots.contains(name.substring(slash + 1))) {
                throw new IllegalArgumentException(kind + " optimiser state has no array '" + name
                        + "'; its arrays are named parameter/slot with slot in " + slots);
            }
            slotsPerParameter.merge(name.substring(0, slash), 1, Integer::sum);
        }
        slotsPerParameter.forEach((parameter, count) -> {
            if (count != slots.size()) {
                throw new IllegalArgumentException(kind + " optimiser state for " + parameter + " needs the slots " + slots);
            }
        });
    }

    /** The state of an optimiser that has made no step yet. */
    public static OptimiserState fresh(OptimiserSettings.Kind kind) {
        return new OptimiserState(kind, 0, Map.of());
    }

    /** The arrays an optimiser of this kind keeps for each parameter, by slot name. */
    public static List<String> slots(OptimiserSettings.Kind kind) {
        return switch (kind) {
            case SGD -> List.of();
            case MOMENTUM -> List.of("velocity");
            case ADAM -> List.of("m", "v");
        };
    }

    /** The array kept for a parameter in a slot, or null if the optimiser has not stepped it yet. */
    public INDArray array(String parameter, String slot) {
        return arrays.get(parameter + "/" + slot);
    }

    /**
     * Checks that every array belongs to one of these parameters and has its shape and data type, so a
     * restored optimiser cannot step a parameter with a mismatched state.
     */
    public void requireFits(List<Parameter> parameters) {
        Map<String, INDArray> values = new HashMap<>();
        for (Parameter p : parameters) {
            values.put(p.name(), p.value());
        }
        for (Map.Entry<String, INDArray> entry : arrays.entrySet()) {
            String parameter = entry.getKey().substring(0, entry.getKey().lastIndexOf('/'));
            INDArray value = values.get(parameter);
            INDArray array = entry.getValue();
            if (value == null) {
                throw new IllegalArgumentException("optimiser state " + entry.getKey() + " is for an unknown parameter " + parameter);
            }
            if (!Arrays.equals(value.shape(), array.shape()) || value.dataType() != array.dataType()) {
                throw new IllegalArgumentException("optimiser state " + entry.getKey() + " is " + array.dataType() + " "
                        + Arrays.toString(array.shape()) + "; the parameter is " + value.dataType() + " "
                        + Arrays.toString(value.shape()));
            }
        }
    }

    /** Fails unless this state is one an optimiser of the given kind can continue from. */
    void requireKind(OptimiserSettings.Kind expected) {
        if (kind != expected) {
            throw new IllegalArgumentException("cannot restore " + kind + " optimiser state into a " + expected + " optimiser");
        }
    }
}
