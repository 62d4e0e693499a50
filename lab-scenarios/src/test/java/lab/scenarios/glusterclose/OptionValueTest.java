package lab.scenarios.glusterclose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** `volume get` marks an option nobody set "(DEFAULT)"; `volume set` refuses that mark, so as-configured restores the bare value. */
class OptionValueTest {
    @Test
    void theDefaultMarkIsNotPartOfTheValue() {
        assertEquals("on", GlusterCloseLab.value("on(DEFAULT)"));
        assertEquals("on", GlusterCloseLab.value("on (DEFAULT)"));
        assertEquals("off", GlusterCloseLab.value("off"));
        assertEquals("1MB", GlusterCloseLab.value("1MB"));
        assertNull(GlusterCloseLab.value(null));
    }
}
