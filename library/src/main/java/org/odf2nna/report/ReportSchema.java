package org.odf2nna.report;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;

/**
 * The version of the JSON reports and a strict reader for them. Gson reading a record fills a field the JSON lacks
 * with 0 or null, so a renamed or dropped field would read back as a plausible wrong figure; {@link #read} instead
 * checks the version and that every field of every record is present (null where a field may be absent), and says
 * which one is not.
 */
public final class ReportSchema {

    /** The version written as {@code schemaVersion} at the top of every JSON report. */
    public static final int VERSION = 1;

    /** The name of the version field. */
    public static final String FIELD = "schemaVersion";

    private ReportSchema() {
    }

    /** {@code report} as a JSON object with {@link #FIELD} first. */
    public static JsonObject versioned(Gson gson, Object report) {
        JsonObject out = new JsonObject();
        out.addProperty(FIELD, VERSION);
        JsonElement tree = gson.toJsonTree(report);
        if (tree.isJsonObject()) {
            tree.getAsJsonObject().entrySet().forEach(e -> out.add(e.getKey(), e.getValue()));
        } else {
            out.add("report", tree);
        }
        return out;
    }

    /**
     * Reads a report written by {@link #versioned}.
     *
     * @throws IllegalArgumentException naming the version, or the first missing field by its path
     *                                  ({@code datasets[2].rows[0].pr})
     */
    public static <T extends Record> T read(Gson gson, String json, Class<T> type) {
        JsonElement tree = JsonParser.parseString(json);
        if (!tree.isJsonObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonObject object = tree.getAsJsonObject();
        JsonElement version = object.get(FIELD);
        if (version == null || !version.isJsonPrimitive()) {
            throw new IllegalArgumentException("no " + FIELD + " (written before reports were versioned?); this "
                    + "tool reads version " + VERSION);
        }
        if (version.getAsInt() != VERSION) {
            throw new IllegalArgumentException(FIELD + " " + version.getAsString() + "; this tool reads version "
                    + VERSION);
        }
        requireFields(object, type, "");
        return gson.fromJson(object, type);
    }

    private static void requireFields(JsonObject object, Class<?> type, String path) {
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getType().isAnnotationPresent(JsonInline.class)) {
                if (!InlineParts.isWritten(c, object)) {
                    continue; // another alternative was written: this one is null
                }
                // A part written inline: its fields are the parent's.
                requireFields(object, c.getType(), path);
                continue;
            }
            String at = path.isEmpty() ? c.getName() : path + "." + c.getName();
            if (!object.has(c.getName())) {
                throw new IllegalArgumentException("field '" + at + "' is missing");
            }
            JsonElement value = object.get(c.getName());
            if (value.isJsonNull()) {
                continue;
            }
            Class<?> field = c.getType();
            if (field.isRecord() && value.isJsonObject()) {
                requireFields(value.getAsJsonObject(), field, at);
            } else if (List.class.isAssignableFrom(field) && value.isJsonArray()
                    && c.getGenericType() instanceof ParameterizedType p) {
                Type element = p.getActualTypeArguments()[0];
                if (element instanceof Class<?> e && e.isRecord()) {
                    for (int i = 0; i < value.getAsJsonArray().size(); i++) {
                        JsonElement item = value.getAsJsonArray().get(i);
                        if (item.isJsonObject()) {
                            requireFields(item.getAsJsonObject(), e, at + "[" + i + "]");
                        }
                    }
                }
            }
        }
    }
}
