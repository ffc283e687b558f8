package dev.chainrule.model;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.chainrule.faults.DatabaseFaults;
import dev.chainrule.model.ModelRepository.ModelRow;
import dev.chainrule.model.ModelRepository.VersionRow;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Which version a request means (a number, "latest", an alias, or the model's default), as predictions ask it many
 * times a second and must not wait on the database: each answer is kept for {@code chainrule.models.version-lookup-ttl}
 * and dropped at once by this process's own changes, so another replica's show within that time. The last answer
 * found for each question is also kept past its expiry: while the database is unreachable, versions already known
 * keep answering through the outage.
 */
final class VersionLookups {
    /** Version rows kept for lookups: small records, so many models' can stay. */
    private static final int MAX_LOOKUPS = 10_000;

    /** A version lookup: the model and how the version was named. */
    private record Key(String modelId, VersionRef ref) {
    }

    /** What a lookup found: the version's row, and the alias it was reached by (null: none). */
    record Found(VersionRow row, String alias) {
    }

    private final ModelRepository repository;
    /** Answers by model and how a request named the version; a lookup that found none is not kept. */
    private final Cache<Key, Found> fresh;
    /** The last answer each question got, past its expiry, for an outage. Dropped with the fresh ones on changes. */
    private final Cache<Key, Found> lastFound;
    /** Whether the database is known to be unreachable right now; then lookups go to {@link #lastFound} at once. */
    private volatile BooleanSupplier databaseDown = () -> false;

    VersionLookups(ModelRepository repository, Duration ttl, Ticker ticker) {
        this.repository = repository;
        this.fresh = Caffeine.newBuilder().maximumSize(MAX_LOOKUPS).expireAfterWrite(ttl).ticker(ticker).build();
        this.lastFound = Caffeine.newBuilder().maximumSize(MAX_LOOKUPS).build();
    }

    void databaseDownWhen(BooleanSupplier down) {
        this.databaseDown = down;
    }

    /**
     * The version {@code ref} names in the model, or null when there is none; while the database is unreachable, the
     * last one found for the question, without waiting out the pool's timeout on every prediction.
     */
    Found find(String modelId, VersionRef ref) {
        Key key = new Key(modelId, ref);
        Found known = databaseDown.getAsBoolean() ? lastFound.getIfPresent(key) : null;
        if (known != null) {
            return known;
        }
        try {
            Found found = fresh.get(key, k -> lookUp(k.modelId(), k.ref()));
            if (found != null) {
                lastFound.put(key, found);
                // the version it found is also that number's, for a prediction that names it during an outage
                lastFound.put(new Key(modelId, VersionRef.number(found.row().number())), new Found(found.row(), null));
            }
            return found;
        } catch (RuntimeException e) {
            known = DatabaseFaults.isOutage(e) ? lastFound.getIfPresent(key) : null;
            if (known == null) {
                throw e;
            }
            return known;
        }
    }

    private Found lookUp(String id, VersionRef ref) {
        return switch (ref.kind()) {
            case NUMBER -> repository.version(id, ref.number()).map(row -> new Found(row, null)).orElse(null);
            case LATEST -> repository.version(id, null).map(row -> new Found(row, null)).orElse(null);
            case ALIAS -> repository.versionByAlias(id, ref.alias()).map(row -> new Found(row, ref.alias())).orElse(null);
            case DEFAULT -> {
                String alias = repository.find(id).map(ModelRow::defaultAlias).orElse(null);
                yield alias == null ? lookUp(id, VersionRef.LATEST) : lookUp(id, VersionRef.alias(alias));
            }
        };
    }

    /** A new version of the model: which is the latest (and so, maybe, the default) changed. */
    void versionAdded(String modelId) {
        for (VersionRef ref : new VersionRef[] {VersionRef.LATEST, VersionRef.DEFAULT}) {
            fresh.invalidate(new Key(modelId, ref));
            lastFound.invalidate(new Key(modelId, ref));
        }
    }

    /** An alias of the model moved, or its default alias changed. */
    void aliasMoved(String modelId, String alias) {
        fresh.invalidate(new Key(modelId, VersionRef.DEFAULT));
        if (alias != null) {
            fresh.invalidate(new Key(modelId, VersionRef.alias(alias)));
        }
    }

    /**
     * The model is gone. Its keys are invalidated one by one first because that waits for a lookup of the key still
     * in flight and then drops what it stored; the sweep that follows does not see one in flight, which would
     * otherwise outlive the deletion.
     */
    void modelDeleted(String modelId, List<VersionRow> versions) {
        fresh.invalidate(new Key(modelId, VersionRef.LATEST));
        fresh.invalidate(new Key(modelId, VersionRef.DEFAULT));
        for (VersionRow version : versions) {
            fresh.invalidate(new Key(modelId, VersionRef.number(version.number())));
        }
        fresh.asMap().keySet().removeIf(key -> key.modelId().equals(modelId));
        lastFound.asMap().keySet().removeIf(key -> key.modelId().equals(modelId));
    }
}
