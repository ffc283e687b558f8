package dev.chainrule.api.model;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.problem.InvalidRequestException;
import dev.chainrule.api.problem.ReferenceNotFoundException;
import dev.chainrule.api.security.ApiKeyFilter;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelAlias;
import dev.chainrule.model.ModelAliases;
import dev.chainrule.model.ModelService;
import dev.chainrule.model.VersionRef;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * A model's aliases: set or move one to a version, remove it, list them, show one with its history; and the alias
 * unnamed predictions use. Training a version and promoting it are two separate calls.
 */
@RestController
@RequestMapping("/models/{id}")
class AliasController {
    private final ModelAliases aliases;
    private final ModelService models;

    AliasController(ModelAliases aliases, ModelService models) {
        this.aliases = aliases;
        this.models = models;
    }

    /** PUT .../aliases/{alias}: the version, as anywhere a version is given (a number, "latest", another alias). */
    record SetAliasRequest(Object version) {
    }

    /** PUT .../default-alias. */
    record DefaultAliasRequest(String alias) {
    }

    /** GET .../aliases. */
    record AliasList(String modelId, String defaultAlias, List<AliasResponse> aliases) {
    }

    @RequiredAccess(READ)
    @GetMapping("/aliases")
    AliasList list(@PathVariable String id) {
        List<ModelAlias> all = aliases.list(id);
        String defaultAlias = models.get(id).defaultAlias();
        return new AliasList(id, defaultAlias, all.stream().map(a -> AliasResponse.of(id, a, defaultAlias)).toList());
    }

    @RequiredAccess(READ)
    @GetMapping("/aliases/{alias}")
    AliasResponse get(@PathVariable String id, @PathVariable String alias) {
        checkName(alias);
        ModelAlias found = aliases.get(id, alias);
        return AliasResponse.of(id, found, models.get(id).defaultAlias());
    }

    /** 201 with Location when the alias is new, 200 when it moved (or already pointed there). */
    @RequiredAccess(ADMIN)
    @PutMapping("/aliases/{alias}")
    ResponseEntity<AliasResponse> set(@PathVariable String id, @PathVariable String alias,
                                      @RequestBody SetAliasRequest request, HttpServletRequest http) {
        FieldErrors errors = new FieldErrors();
        String problem = VersionRef.aliasNameProblem(alias);
        if (problem != null) {
            errors.add("alias", problem);
        }
        if (request.version() == null) {
            errors.add("version", "is required: a version number, \"latest\" or another alias's name");
        }
        errors.throwIfAny();
        VersionRef ref = VersionParameter.fromJson(request.version(), "version");
        int version = VersionParameter.resolve(models, id, ref, "version").number();
        ModelAliases.Change change;
        try {
            change = aliases.set(id, alias, version, keyName(http));
        } catch (dev.chainrule.model.TooManyAliasesException e) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("alias", e.getMessage())));
        }
        AliasResponse body = AliasResponse.of(id, change.alias(), models.get(id).defaultAlias());
        if (!change.created()) {
            return ResponseEntity.ok(body);
        }
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/models/{id}/aliases/{alias}")
                .buildAndExpand(id, alias).toUri();
        return ResponseEntity.created(location).body(body);
    }

    /** 204; 409 while it is the model's default alias. */
    @RequiredAccess(ADMIN)
    @DeleteMapping("/aliases/{alias}")
    ResponseEntity<Void> delete(@PathVariable String id, @PathVariable String alias, HttpServletRequest http) {
        checkName(alias);
        aliases.delete(id, alias, keyName(http));
        return ResponseEntity.noContent().build();
    }

    /** Unnamed predictions use this alias from now on; the model as it is then. */
    @RequiredAccess(ADMIN)
    @PutMapping("/default-alias")
    ModelResponse setDefault(@PathVariable String id, @RequestBody DefaultAliasRequest request) {
        if (request.alias() == null) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("alias",
                    "is required (DELETE /models/" + id + "/default-alias goes back to the latest version)")));
        }
        String problem = VersionRef.aliasNameProblem(request.alias());
        if (problem != null) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("alias", problem)));
        }
        try {
            aliases.setDefault(id, request.alias());
        } catch (dev.chainrule.model.AliasNotFoundException e) {
            throw new ReferenceNotFoundException("alias", e.getMessage());
        }
        return ModelResponse.of(models.get(id));
    }

    /** Unnamed predictions use the latest version again; the model as it is then. */
    @RequiredAccess(ADMIN)
    @DeleteMapping("/default-alias")
    ModelResponse clearDefault(@PathVariable String id) {
        aliases.setDefault(id, null);
        return ModelResponse.of(models.get(id));
    }

    /** A path's alias name that breaks the rules is a 400 naming it, not a 404. */
    private static void checkName(String alias) {
        String problem = VersionRef.aliasNameProblem(alias);
        if (problem != null) {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("alias", problem)));
        }
    }

    private static String keyName(HttpServletRequest request) {
        return request.getAttribute(ApiKeyFilter.KEY_NAME) instanceof String name ? name : null;
    }
}
