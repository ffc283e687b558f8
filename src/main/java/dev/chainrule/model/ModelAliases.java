package dev.chainrule.model;

import dev.chainrule.model.AliasRepository.AliasRow;
import dev.chainrule.storage.DatabaseTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sets, moves and removes a model's aliases, recording every move, and chooses the alias unnamed predictions use.
 * Each change holds the model's row lock, so it takes turns with a deletion of the model and with other changes;
 * this process's version lookups see it as soon as it commits, other processes' within the lookup TTL.
 */
@Service
public class ModelAliases {
    private final AliasRepository aliases;
    private final ModelRepository models;
    private final ModelService service;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final int maxAliases;

    ModelAliases(AliasRepository aliases, ModelRepository models, ModelService service, TransactionTemplate transaction,
                 Clock clock, dev.chainrule.config.ChainruleProperties properties) {
        this.maxAliases = properties.models().maxAliases();
        this.aliases = aliases;
        this.models = models;
        this.service = service;
        this.transaction = transaction;
        this.clock = clock;
    }

    /** What a set did: the alias as it is now, and whether it was created (rather than moved or left). */
    public record Change(ModelAlias alias, boolean created) {
    }

    /**
     * Points the alias at the version, creating it if needed; a move to where it already points records nothing.
     *
     * @param movedBy the API key's name, or null
     * @throws IllegalArgumentException when the name breaks the alias rules ({@link VersionRef#aliasNameProblem})
     * @throws ModelNotFoundException   when there is no such model
     * @throws VersionNotFoundException when the model has no such version
     * @throws TooManyAliasesException  when the alias is new and the model has {@code chainrule.models.max-aliases}
     */
    public Change set(String modelId, String name, int version, String movedBy) {
        checkName(name);
        boolean created = transaction.execute(status -> {
            lock(modelId);
            if (models.version(modelId, version).isEmpty()) {
                throw VersionNotFoundException.missing(modelId, version, models.lastVersion(modelId));
            }
            Instant now = DatabaseTime.now(clock);
            AliasRow before = aliases.alias(modelId, name).orElse(null);
            if (before == null) {
                int count = aliases.aliases(modelId).size();
                if (count >= maxAliases) {
                    throw new TooManyAliasesException(modelId, count, maxAliases);
                }
                aliases.insert(modelId, new AliasRow(name, version, now));
            } else if (before.version() != version) {
                aliases.update(modelId, new AliasRow(name, version, now));
            } else {
                return false;
            }
            aliases.insertMove(modelId, name, new ModelAlias.Move(before == null ? null : before.version(), version, now, movedBy));
            forgetAfterCommit(modelId, name);
            return before == null;
        });
        return new Change(get(modelId, name), created);
    }

    /**
     * Removes the alias, recording the removal in its history.
     *
     * @throws AliasInUseException when it is the model's default alias
     */
    public void delete(String modelId, String name, String movedBy) {
        transaction.executeWithoutResult(status -> {
            ModelRepository.ModelRow model = lock(modelId);
            AliasRow alias = aliases.alias(modelId, name).orElseThrow(() -> new AliasNotFoundException(modelId, name));
            if (name.equals(model.defaultAlias())) {
                throw new AliasInUseException(modelId, name);
            }
            aliases.delete(modelId, name);
            aliases.insertMove(modelId, name, new ModelAlias.Move(alias.version(), null, DatabaseTime.now(clock), movedBy));
            forgetAfterCommit(modelId, name);
        });
    }

    /** The model's aliases by name, each with its history. */
    public List<ModelAlias> list(String modelId) {
        models.find(modelId).orElseThrow(() -> new ModelNotFoundException(modelId));
        return aliases.aliases(modelId).stream().map(row -> alias(modelId, row)).toList();
    }

    public ModelAlias get(String modelId, String name) {
        models.find(modelId).orElseThrow(() -> new ModelNotFoundException(modelId));
        return aliases.alias(modelId, name).map(row -> alias(modelId, row))
                .orElseThrow(() -> new AliasNotFoundException(modelId, name));
    }

    /**
     * Makes unnamed predictions use the alias (null: the latest version again).
     *
     * @throws AliasNotFoundException when the model has no such alias
     */
    public void setDefault(String modelId, String name) {
        transaction.executeWithoutResult(status -> {
            lock(modelId);
            if (name != null && aliases.alias(modelId, name).isEmpty()) {
                throw new AliasNotFoundException(modelId, name);
            }
            aliases.setDefaultAlias(modelId, name);
            forgetAfterCommit(modelId, null);
        });
    }

    private ModelAlias alias(String modelId, AliasRow row) {
        return new ModelAlias(row.name(), row.version(), row.updatedAt(), aliases.moves(modelId, row.name()));
    }

    private ModelRepository.ModelRow lock(String modelId) {
        if (!models.lock(modelId)) {
            throw new ModelNotFoundException(modelId);
        }
        return models.find(modelId).orElseThrow(() -> new ModelNotFoundException(modelId));
    }

    private static void checkName(String name) {
        String problem = VersionRef.aliasNameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    private void forgetAfterCommit(String modelId, String alias) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                service.forgetAliasLookups(modelId, alias);
            }
        });
    }
}
