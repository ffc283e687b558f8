package dev.chainrule.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a key may do, through the client against the real service: each key's role and name, and what it then may do. */
@ExtendWith(LiveService.Extension.class)
class AccessRoundTripTest {

    /** A key's default name: its role in lower case and the first 8 hex digits of its SHA-256. */
    private static String defaultName(String role, String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return role + "-" + HexFormat.of().formatHex(digest, 0, 4);
    }

    @Test
    void theAdminKeyMayDoEverything(LiveService service) throws Exception {
        KeyAccess access = service.admin().access();
        assertEquals(new KeyAccess(KeyAccess.Level.ADMIN, defaultName("admin", service.adminKey)), access);
        assertTrue(access.isAdmin());
        Model model = service.admin().createModel(Iris.model("access-admin"));
        service.admin().deleteModel(model.id());
    }

    @Test
    void theReadKeyMayOnlyReadAndTheServiceAgrees(LiveService service) throws Exception {
        KeyAccess access = service.reader().access();
        assertEquals(new KeyAccess(KeyAccess.Level.READ, defaultName("read", service.readKey)), access);
        assertFalse(access.isAdmin());
        service.reader().listModels();
        AccessDeniedException refused = assertThrows(AccessDeniedException.class,
                () -> service.reader().createModel(Iris.model("access-read")));
        assertEquals(403, refused.problem().status());
    }

    @Test
    void noKeyOrAnotherKeyIs401(LiveService service) {
        for (String key : new String[] {null, service.adminKey + "x"}) {
            ChainruleClient client = ChainruleClient.builder().baseUrl(service.baseUrl).apiKey(key).build();
            AccessDeniedException refused = assertThrows(AccessDeniedException.class, client::access);
            assertEquals(401, refused.problem().status());
            assertEquals("/problems/unauthorized", refused.problem().type());
        }
    }
}
