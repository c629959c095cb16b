package org.odf2nna.report;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the components of a record's {@link JsonInline} parts among the record's own fields, where the part stands,
 * and reads them back into the part: the JSON is what the record wrote before its fields were grouped.
 */
final class InlineParts implements TypeAdapterFactory {

    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        Class<? super T> raw = type.getRawType();
        if (!raw.isRecord()) {
            return null;
        }
        List<RecordComponent> parts = Arrays.stream(raw.getRecordComponents())
                .filter(c -> c.getType().isAnnotationPresent(JsonInline.class)).toList();
        if (parts.isEmpty()) {
            return null;
        }
        requireDistinctNames(raw, parts);
        return new Flat<>(gson.getDelegateAdapter(this, type), gson.getAdapter(JsonElement.class), parts);
    }

    /**
     * A part's fields land beside its parent's: a shared name would be written twice. An alternative part's are
     * checked as they are written instead (it shares names with the parts it stands in for).
     */
    private static void requireDistinctNames(Class<?> record, List<RecordComponent> parts) {
        Set<String> partNames = new HashSet<>();
        parts.forEach(p -> partNames.add(p.getName()));
        Set<String> names = new HashSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            if (isAlternative(c)) {
                continue;
            }
            List<RecordComponent> fields = partNames.contains(c.getName()) ? List.of(c.getType().getRecordComponents())
                    : List.of(c);
            for (RecordComponent f : fields) {
                if (!names.add(f.getName())) {
                    throw new IllegalStateException(record.getName() + ": the JSON field '" + f.getName()
                            + "' would be written twice (an inline part shares it)");
                }
            }
        }
    }

    /** The JSON field names a part writes: its components', a part of its own's in their place. */
    static List<String> fieldNames(Class<?> part) {
        List<String> names = new java.util.ArrayList<>();
        for (RecordComponent c : part.getRecordComponents()) {
            if (c.getType().isAnnotationPresent(JsonInline.class)) {
                names.addAll(fieldNames(c.getType()));
            } else {
                names.add(c.getName());
            }
        }
        return names;
    }

    /**
     * Whether {@code part} of a record was written into {@code object}: always for a part, and for an alternative
     * where a field it alone writes (no other component of the record writes that name) is there.
     */
    static boolean isWritten(RecordComponent part, JsonObject object) {
        if (!isAlternative(part)) {
            return true;
        }
        Set<String> others = new HashSet<>();
        for (RecordComponent c : part.getDeclaringRecord().getRecordComponents()) {
            if (!c.getName().equals(part.getName())) {
                others.addAll(c.getType().isAnnotationPresent(JsonInline.class) ? fieldNames(c.getType())
                        : List.of(c.getName()));
            }
        }
        return fieldNames(part.getType()).stream().anyMatch(f -> !others.contains(f) && object.has(f));
    }

    private static boolean isAlternative(RecordComponent part) {
        JsonInline inline = part.getType().getAnnotation(JsonInline.class);
        return inline != null && inline.alternative();
    }

    /**
     * Adds a field, refusing one already there (an alternative part written beside what it stands in for). A null
     * (a field or part left empty, not written) gives way to a value of the same name, which lands where it is added.
     */
    private static void add(JsonObject flat, String name, JsonElement value) {
        if (value.isJsonNull() && flat.has(name)) {
            return;
        }
        if (flat.has(name) && flat.get(name).isJsonNull()) {
            flat.remove(name);
        }
        if (flat.has(name)) {
            throw new IllegalStateException("the JSON field '" + name + "' would be written twice (an alternative "
                    + "inline part shares it with a field that is not null)");
        }
        flat.add(name, value);
    }

    private static final class Flat<T> extends TypeAdapter<T> {
        private final TypeAdapter<T> record;
        private final TypeAdapter<JsonElement> elements;
        private final List<RecordComponent> parts;
        private final Set<String> partNames = new HashSet<>();

        Flat(TypeAdapter<T> record, TypeAdapter<JsonElement> elements, List<RecordComponent> parts) {
            this.record = record;
            this.elements = elements;
            this.parts = parts;
            parts.forEach(p -> partNames.add(p.getName()));
        }

        @Override
        public void write(JsonWriter out, T value) throws IOException {
            if (value == null) {
                out.nullValue();
                return;
            }
            JsonObject flat = new JsonObject();
            for (Map.Entry<String, JsonElement> e : record.toJsonTree(value).getAsJsonObject().entrySet()) {
                if (partNames.contains(e.getKey()) && e.getValue().isJsonObject()) {
                    e.getValue().getAsJsonObject().entrySet().forEach(f -> add(flat, f.getKey(), f.getValue()));
                } else {
                    add(flat, e.getKey(), e.getValue());
                }
            }
            elements.write(out, flat);
        }

        @Override
        public T read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            JsonObject object = elements.read(in).getAsJsonObject();
            for (RecordComponent p : parts) {
                if (!isWritten(p, object)) {
                    continue; // another alternative's fields: this part reads as null
                }
                List<String> names = fieldNames(p.getType());
                JsonObject part = new JsonObject();
                for (String f : names) {
                    if (object.has(f)) {
                        part.add(f, object.remove(f));
                    }
                }
                object.add(p.getName(), part);
            }
            return record.fromJsonTree(object);
        }
    }
}
