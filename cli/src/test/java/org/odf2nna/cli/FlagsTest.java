package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Setting;

class FlagsTest {

    @Test
    void everySettingHasItsOwnFlag() {
        Set<String> flags = new HashSet<>();
        for (Setting s : Setting.values()) {
            String flag = Flags.of(s);
            assertTrue(flag.startsWith("--"), flag);
            assertTrue(flags.add(flag), "two settings share " + flag);
        }
    }

    @Test
    void whatTheCommandsPrintNamesFlags() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = Flags.rendering(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        out.println("up to 3 epochs (" + Setting.RETRAIN_EPOCHS.ref() + " 3)");
        out.print("allow more with " + Setting.MAX_DROP.ref());
        out.printf("; %s%n", Setting.VALIDATION.ref());
        out.flush();
        assertEquals("up to 3 epochs (--retrain-epochs 3)\nallow more with --max-drop; --validation\n",
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
