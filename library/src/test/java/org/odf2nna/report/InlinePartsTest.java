package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class InlinePartsTest {

    @JsonInline
    record Timing(double seconds, String load) {
    }

    @JsonInline
    record Rows(int rows, Integer chosen) {
    }

    /** The grouped record: two parts written inline. */
    record Grouped(String id, Timing timing, List<String> notes, Rows rows) {
    }

    /** What the grouped record was before its fields were grouped. */
    record Flat(String id, double seconds, String load, List<String> notes, int rows, Integer chosen) {
    }

    record Nested(List<Grouped> all) {
    }

    record Clash(String load, Timing timing) {
    }

    @Test
    void aGroupedRecordWritesTheSameBytesAsItsFlatForm() {
        Grouped grouped = new Grouped("m", new Timing(1.5, "0.5 0.4 0.3"), List.of("a"), new Rows(10, 3));
        Flat flat = new Flat("m", 1.5, "0.5 0.4 0.3", List.of("a"), 10, 3);
        assertEquals(ReportFormat.json(flat), ReportFormat.json(grouped));
        assertTrue(ReportFormat.json(grouped).contains("\"seconds\": 1.5,\n  \"load\""), ReportFormat.json(grouped));
        // NaN and null are left out in the part as in the flat form, and inside lists too.
        Grouped empty = new Grouped("m", new Timing(Double.NaN, null), List.of(), new Rows(0, null));
        Flat emptyFlat = new Flat("m", Double.NaN, null, List.of(), 0, null);
        assertEquals(ReportFormat.json(emptyFlat), ReportFormat.json(empty));
        assertEquals(ReportFormat.json(List.of(flat, emptyFlat)).replace("schemaVersion", ""),
                ReportFormat.json(List.of(grouped, empty)).replace("schemaVersion", ""));
    }

    @Test
    void aGroupedReportReadsBackWholeAndNamesAMissingPartField() {
        Gson gson = ReportFormat.gson().newBuilder().serializeNulls().create();
        Nested nested = new Nested(List.of(new Grouped("m", new Timing(2, "x"), List.of(), new Rows(1, null))));
        String json = gson.toJson(ReportSchema.versioned(gson, nested));
        assertEquals(nested, ReportSchema.read(gson, json, Nested.class));
        com.google.gson.JsonObject tree = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        tree.getAsJsonArray("all").get(0).getAsJsonObject().remove("load");
        String noLoad = tree.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportSchema.read(gson, noLoad, Nested.class));
        assertEquals("field 'all[0].load' is missing", e.getMessage());
    }

    @Test
    void aPartSharingAFieldNameWithItsParentIsRefused() {
        Exception e = assertThrows(RuntimeException.class,
                () -> ReportFormat.json(new Clash("a", new Timing(1, "b"))));
        assertTrue(e.getMessage().contains("'load' would be written twice")
                || e instanceof JsonIOException && e.getCause().getMessage().contains("twice"), e.getMessage());
    }
}
