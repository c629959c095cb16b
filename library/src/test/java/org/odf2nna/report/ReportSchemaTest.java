package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportSchemaTest {

    record Inner(String name, double value) {
    }

    record Outer(String id, Inner first, List<Inner> rest, Integer chosen) {
    }

    private static final Gson GSON = new GsonBuilder().serializeNulls().create();

    @Test
    void aVersionedReportReadsBackWhole() {
        Outer outer = new Outer("t", new Inner("a", 1.5), List.of(new Inner("b", 2), new Inner("c", 3)), null);
        String json = GSON.toJson(ReportSchema.versioned(GSON, outer));
        assertTrue(json.startsWith("{\"schemaVersion\":" + ReportSchema.VERSION), json);
        assertEquals(outer, ReportSchema.read(GSON, json, Outer.class));
    }

    @Test
    void aMissingFieldIsNamedByItsPathInsteadOfReadingZero() {
        String json = "{\"schemaVersion\":1,\"id\":\"t\",\"first\":{\"name\":\"a\",\"value\":1},"
                + "\"rest\":[{\"name\":\"b\",\"value\":2},{\"name\":\"c\"}],\"chosen\":null}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportSchema.read(GSON, json, Outer.class));
        assertEquals("field 'rest[1].value' is missing", e.getMessage());
        String noChosen = "{\"schemaVersion\":1,\"id\":\"t\",\"first\":null,\"rest\":[]}";
        e = assertThrows(IllegalArgumentException.class, () -> ReportSchema.read(GSON, noChosen, Outer.class));
        assertEquals("field 'chosen' is missing", e.getMessage());
    }

    @Test
    void anUnknownOrAbsentVersionIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportSchema.read(GSON, "{\"schemaVersion\":2,\"id\":\"t\"}", Outer.class));
        assertTrue(e.getMessage().contains("schemaVersion 2; this tool reads version 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReportSchema.read(GSON, "{\"id\":\"t\"}", Outer.class));
        assertTrue(e.getMessage().startsWith("no schemaVersion"), e.getMessage());
    }

    @Test
    void reportsWrittenByTheToolCarryTheVersion() {
        String json = ReportFormat.json(new Inner("x", 1));
        assertTrue(json.contains("\"schemaVersion\": 1"), json);
    }
}
