package dev.chainrule.model;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.model.ModelFile;
import dev.chainrule.engine.model.OnnxExport;
import dev.chainrule.engine.model.TrainedModel;
import dev.chainrule.faults.DatabaseAvailability;
import dev.chainrule.model.ModelRepository.ModelRow;
import dev.chainrule.model.ModelRepository.VersionRow;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.DatabaseTime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps the models users defined and the versions their jobs trained: rows in the database, each version's
 * network in a model file in the blob store (written whole, under a fresh key, before its row names it). Two bounded caches
 * serve predictions, which want versions in memory and must not wait on the database: loaded networks (versions
 * never change) and version lookups (which is the latest, where an alias points, and the version's row), dropped at
 * once by this process's own new versions, alias moves and deletions and after
 * {@code chainrule.models.version-lookup-ttl} for another process's.
 */
@Service
public class ModelService {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Logger log = LoggerFactory.getLogger(ModelService.class);

    private final ModelRepository repository;
    private final BlobStore files;
    private final TransactionTemplate transaction;
    private final Clock clock;
    /** Loaded networks by "modelId/version". */
    private final Cache<String, TrainedModel> loaded;
    /** Which version a request means, kept for the lookups' time to live (and through a database outage). */
    private final VersionLookups lookups;
    /** The training jobs, asked whether a model has queued or running ones (on any replica). */
    private final ObjectProvider<ModelUsage> usage;

    @Autowired
    public ModelService(ModelRepository repository, BlobStore files, TransactionTemplate transaction, Clock clock,
                        ChainruleProperties properties, ObjectProvider<ModelUsage> usage) {
        this(repository, files, transaction, clock, properties, usage, Ticker.systemTicker());
    }

    /** With the time source of the lookups' expiry given (tests). */
    ModelService(ModelRepository repository, BlobStore files, TransactionTemplate transaction, Clock clock,
                 ChainruleProperties properties, ObjectProvider<ModelUsage> usage, Ticker ticker) {
        this.repository = repository;
        this.usage = usage;
        this.files = files;
        this.transaction = transaction;
        this.clock = clock;
        this.loaded = Caffeine.newBuilder().maximumSize(properties.models().cachedVersions()).build();
        this.lookups = new VersionLookups(repository, properties.models().versionLookupTtl(), ticker);
    }

    public Model create(String name, String description, NetworkDefinition definition, long seed, double lossEpsilon) {
        ModelRow row = new ModelRow(UUID.randomUUID().toString(), name, description, definition, seed, lossEpsilon,
                DatabaseTime.now(clock), null);
        repository.insert(row);
        return model(row);
    }

    public Model get(String id) {
        return model(repository.find(id).orElseThrow(() -> new ModelNotFoundException(id)));
    }

    /** The ids of the models named {@code name} (names need not be unique), oldest first, at most {@code limit}. */
    public List<String> idsNamed(String name, int limit) {
        return repository.idsNamed(name, limit);
    }

    /** A page of models, oldest first. */
    public Page<Model> list(int page, int size) {
        List<Model> models = repository.page((int) Math.min((long) page * size, Integer.MAX_VALUE), size).stream()
                .map(this::model).toList();
        return new Page<>(models, page, size, repository.count());
    }

    /**
     * Deletes the model, its versions and their files; refused while a job for it is queued or running on any
     * replica. The model's row lock makes this and a submission take turns (see {@link #lockForJob}).
     */
    public void delete(String id) {
        List<VersionRow> versions = transaction.execute(status -> {
            if (!repository.lock(id)) {
                throw new ModelNotFoundException(id);
            }
            int active = activeJobs(id);
            if (active > 0) {
                throw new ModelInUseException(id, active);
            }
            List<VersionRow> rows = repository.versions(id);
            repository.delete(id);
            return rows;
        });
        forget(id, versions);
        // the rows are gone, so nothing names these files any more; what is not deleted here the orphan sweep removes
        for (VersionRow version : versions) {
            deleteObject(version.file());
        }
    }

    /** The numbered version, or the latest when {@code number} is null. */
    public ModelVersion version(String id, Integer number) {
        return resolve(id, VersionRef.numberOrLatest(number));
    }

    /**
     * The version a request names: by number, by alias, the latest, or (not named) the model's default alias or else
     * the latest.
     *
     * @throws ModelNotFoundException   when there is no such model
     * @throws AliasNotFoundException   when the alias (or the default alias) does not exist
     * @throws VersionNotFoundException when the numbered version does not exist, or the model has none
     */
    public ModelVersion resolve(String id, VersionRef ref) {
        // a lookup that finds nothing returns null and leaves no entry, so a first version is seen as soon as it exists
        VersionLookups.Found found = lookups.find(id, ref);
        if (found != null) {
            VersionRow v = found.row();
            return new ModelVersion(id, v.number(), v.summary(), v.file(), () -> load(id, v), found.alias());
        }
        Model model = get(id); // to tell which is missing: the model, the alias, any version, or this one
        if (ref.kind() == VersionRef.Kind.ALIAS || model.defaultAlias() != null && ref.kind() == VersionRef.Kind.DEFAULT) {
            throw new AliasNotFoundException(id, ref.kind() == VersionRef.Kind.ALIAS ? ref.alias() : model.defaultAlias());
        }
        Integer number = ref.kind() == VersionRef.Kind.NUMBER ? ref.number() : null;
        return model.version(number).orElseThrow(() -> number == null || model.versions().isEmpty()
                ? VersionNotFoundException.untrained(id)
                : VersionNotFoundException.missing(id, number, model.versions().get(model.versions().size() - 1).number()));
    }

    /** Lets lookups skip the database while it is known to be unreachable (absent in tests of the store alone). */
    @Autowired(required = false)
    void watch(DatabaseAvailability database) {
        lookups.databaseDownWhen(() -> !database.available());
    }

    /** Drops the lookups an alias move or a default change of this process makes stale (after its commit). */
    void forgetAliasLookups(String id, String alias) {
        lookups.aliasMoved(id, alias);
    }


    /**
     * Locks the model's row until the caller's transaction ends, so that a job record inserted in that transaction
     * and {@link #delete} take turns: the delete then sees the job, or the job finds no model.
     *
     * @throws ModelNotFoundException when it was deleted
     */
    public void lockForJob(String id) {
        if (!repository.lock(id)) {
            throw new ModelNotFoundException(id);
        }
    }

    private int activeJobs(String id) {
        ModelUsage jobs = usage.getIfAvailable();
        return jobs == null ? 0 : jobs.activeJobs(id);
    }

    /**
     * Stores a trained network as the model's next version: its file first, then the row.
     *
     * @throws ModelNotFoundException when the model was deleted meanwhile (nothing is kept)
     */
    public ModelVersion addVersion(String id, TrainedModel trained, ModelVersion.Summary summary) {
        String file;
        try {
            file = files.put("models/" + id + "/" + UUID.randomUUID() + ".model", out -> ModelFile.write(trained, out));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store a version of model " + id, e);
        }
        int number = transaction.execute(status -> {
            // the file goes when the row does not stay: this transaction, or a caller's it joined, rolled back
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int outcome) {
                    if (outcome != STATUS_COMMITTED) {
                        deleteObject(file);
                    }
                }
            });
            if (!repository.lock(id)) {
                throw new ModelNotFoundException(id);
            }
            int next = repository.lastVersion(id) + 1;
            repository.insertVersion(id, new VersionRow(next, summary, file));
            afterCommit(() -> lookups.versionAdded(id));
            return next;
        });
        // not cached here: the caller's transaction may still roll the row back
        return new ModelVersion(id, number, summary, file, () -> trained, null);
    }

    /** Writes a version as one self-contained model file: network, standardisation, and the model's metadata. */
    public void export(String id, int number, OutputStream out) throws IOException {
        Model model = get(id);
        ModelVersion version = version(id, number);
        ModelFile.write(version.trainedModel(), metadata(model, version), out);
    }

    /**
     * Writes a version as an ONNX model (docs/onnx-export.md) computing what predict computes, the same metadata as
     * the model file's in its metadata_props (numbers as their JSON text, metrics as one JSON object).
     */
    public void exportOnnx(String id, int number, OutputStream out) throws IOException {
        Model model = get(id);
        ModelVersion version = version(id, number);
        Map<String, String> props = new LinkedHashMap<>();
        metadata(model, version).properties().stream().filter(e -> !e.getValue().isNull()).forEach(e -> props.put(e.getKey(),
                e.getValue().isString() ? e.getValue().asString() : JSON.writeValueAsString(e.getValue())));
        OnnxExport.write(version.trainedModel(), model.name() == null ? "chainrule" : model.name(), props, out);
    }

    private static ObjectNode metadata(Model model, ModelVersion version) {
        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("name", model.name());
        if (model.description() != null) {
            metadata.put("description", model.description());
        }
        metadata.put("seed", model.seed());
        metadata.put("modelId", model.id());
        metadata.put("version", version.number());
        ModelVersion.Summary summary = version.summary();
        if (summary.jobId() != null) {
            metadata.put("jobId", summary.jobId());
        }
        metadata.put("createdAt", summary.createdAt().toString());
        metadata.put("epochs", summary.epochs());
        metadata.put("trainingLoss", summary.trainingLoss());
        if (summary.validationLoss() != null) {
            metadata.put("validationLoss", summary.validationLoss());
        }
        ObjectNode metrics = metadata.putObject("metrics");
        summary.metrics().forEach(metrics::put);
        if (!summary.provenance().isEmpty()) {
            metadata.set("provenance", JSON.valueToTree(summary.provenance()));
        }
        return metadata;
    }

    /**
     * Creates a model from an exported file, with the file's network as its version 1.
     *
     * @param name the new model's name; null keeps the name the file carries
     * @param check refuses a definition the service's limits do not allow (throws)
     * @throws ModelFile.InvalidModelFileException when the stream is not a valid model file
     */
    public Model importModel(InputStream in, String name, java.util.function.Consumer<NetworkDefinition> check) throws IOException {
        ModelFile.Contents contents = ModelFile.readWithMetadata(in, check);
        TrainedModel trained = contents.model();
        JsonNode meta = contents.metadata();
        String modelName = name != null ? name : meta.path("name").asString("imported model");
        Map<String, Double> metrics = new LinkedHashMap<>();
        meta.path("metrics").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
        Instant now = clock.instant();
        // what made the version travels with it: the file's provenance, and where the file came from
        Map<String, Object> provenance = new LinkedHashMap<>();
        if (meta.path("provenance").isObject()) {
            provenance.putAll(JSON.convertValue(meta.get("provenance"), Map.class));
        }
        Map<String, Object> importedFrom = new LinkedHashMap<>();
        for (String key : new String[] {"modelId", "version", "jobId"}) {
            if (meta.has(key)) {
                importedFrom.put(key, JSON.convertValue(meta.get(key), Object.class));
            }
        }
        provenance.put("importedFrom", importedFrom);
        ModelVersion.Summary summary = new ModelVersion.Summary(null, now, meta.path("epochs").asInt(0),
                meta.path("trainingLoss").asDouble(Double.NaN), meta.has("validationLoss") ? meta.get("validationLoss").asDouble() : null,
                metrics, provenance);
        // one transaction: a version that cannot be stored (a full disk) leaves no model without it
        String id = transaction.execute(status -> {
            Model model = create(modelName, meta.path("description").asString(null), trained.network().definition(),
                    meta.path("seed").asLong(0), trained.network().lossEpsilon());
            addVersion(model.id(), trained, summary);
            return model.id();
        });
        return get(id);
    }

    private Model model(ModelRow row) {
        List<ModelVersion> versions = repository.versions(row.id()).stream()
                .map(v -> new ModelVersion(row.id(), v.number(), v.summary(), v.file(), () -> load(row.id(), v), null))
                .toList();
        int active = activeJobs(row.id());
        return new Model(row.id(), row.name(), row.description(), row.definition(), row.seed(), row.lossEpsilon(),
                row.createdAt(), versions, active, row.defaultAlias(), repository.aliasVersions(row.id()));
    }

    /**
     * Drops what the caches hold of a deleted model. Its versions' keys are invalidated one by one because that waits
     * for a lookup or load of the key still in flight and then drops what it stored; the sweep that follows does not
     * see one in flight, which would otherwise outlive the deletion.
     */
    private void forget(String id, List<VersionRow> versions) {
        lookups.modelDeleted(id, versions);
        for (VersionRow version : versions) {
            loaded.invalidate(key(id, version.number()));
        }
        loaded.asMap().keySet().removeIf(key -> key.startsWith(id + "/"));
    }

    /** Runs when the current transaction commits (the caller's, if this one joined it). */
    private static void afterCommit(Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }

    private TrainedModel load(String modelId, VersionRow version) {
        try {
            return loadOnce(modelId, version);
        } catch (ModelNotFoundException e) {
            // outside the load: Caffeine forbids a loader to change other entries of its cache
            forget(modelId, List.of(version));
            throw e;
        }
    }

    private TrainedModel loadOnce(String modelId, VersionRow version) {
        // Caffeine loads a key once and blocks only lookups of that key meanwhile, not every prediction
        return loaded.get(key(modelId, version.number()), key -> {
            try (InputStream in = files.open(version.file())) {
                return ModelFile.read(new java.io.BufferedInputStream(in, 1 << 16));
            } catch (NoSuchFileException e) {
                // a lookup made just before the model was deleted (here or by another process): say so, not 500
                if (repository.find(modelId).isEmpty()) {
                    throw new ModelNotFoundException(modelId);
                }
                throw new UncheckedIOException("the file of version " + version.number() + " of model " + modelId
                        + " is missing: " + version.file(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read version " + version.number() + " of model " + modelId
                        + " from " + version.file(), e);
            }
        });
    }

    /** Deletes an object no row names any more; one that stays (the store failed) is left to the orphan sweep. */
    private void deleteObject(String key) {
        try {
            files.delete(key);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot delete {} from {}; the orphan sweep will", key, files.location(), e);
        }
    }

    private static String key(String modelId, int version) {
        return modelId + "/" + version;
    }
}
