package lab.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KernelConfigTest {
    private static final String CONFIG = String.join("\n",
            "CONFIG_FUSE_FS=y",
            "# CONFIG_KPROBES is not set",
            "CONFIG_BONDING=m",
            "# CONFIG_MODULES is not set",
            "CONFIG_HZ=250", "");

    @Test
    void builtInSetAndModulesWithoutModuleSupport() throws Exception {
        KernelConfig c = KernelConfig.parse(CONFIG.getBytes(StandardCharsets.UTF_8), "test");
        assertTrue(c.enabled("CONFIG_FUSE_FS"));
        assertFalse(c.enabled("CONFIG_KPROBES"));
        assertFalse(c.enabled("CONFIG_BONDING"), "=m without CONFIG_MODULES cannot be loaded");
        assertFalse(c.enabled("CONFIG_NOT_THERE"));
        assertEquals("250", c.get("CONFIG_HZ").orElseThrow());
        assertEquals(64, c.sha256().length());
    }
}
