package dev.chainrule.model;

import dev.chainrule.engine.NetworkDefinition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Keeps the models users defined. State lives in this process's memory for now; issue [3/5] moves it to a
 * database and files so nothing is lost on restart.
 */
@Service
public class ModelService {
    private final Map<String, Model> models = new LinkedHashMap<>();
    private final Clock clock;

    public ModelService(Clock clock) {
        this.clock = clock;
    }

    public synchronized Model create(String name, String description, NetworkDefinition definition, long seed, double lossEpsilon) {
        String id = UUID.randomUUID().toString();
        Model model = new Model(id, name, description, definition, seed, lossEpsilon, clock.instant());
        models.put(id, model);
        return model;
    }

    public synchronized Model get(String id) {
        Model model = models.get(id);
        if (model == null) {
            throw new ModelNotFoundException(id);
        }
        return model;
    }

    /** A page of models, oldest first. */
    public synchronized Page<Model> list(int page, int size) {
        List<Model> all = new ArrayList<>(models.values());
        return Page.of(all, page, size);
    }

    /** Deletes the model and its versions; refused while a job for it is queued or running. */
    public synchronized void delete(String id) {
        Model model = get(id);
        model.markDeleted();
        models.remove(id);
    }

    public ModelVersion version(String id, Integer number) {
        Model model = get(id);
        return model.version(number).orElseThrow(() -> number == null || model.versions().isEmpty()
                ? VersionNotFoundException.untrained(id)
                : VersionNotFoundException.missing(id, number, model.versions().size()));
    }
}
