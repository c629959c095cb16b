package org.odf2nna.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.odf2nna.InputException;
import org.odf2nna.data.ParquetRows.Column;
import org.odf2nna.data.ParquetRows.Resolved;

/**
 * The two layouts of a Parquet file ({@link ParquetRows}) and the columns each chooses, read from the schema alone:
 * columns of one number each chosen as a CSV file's columns, or a list column per input and a labels column beside it.
 * Its own room because it reads only the footer, where {@link ParquetRows} streams the row groups.
 */
final class ParquetLayouts {

    private ParquetLayouts() {
    }

    static List<String> topNames(MessageType schema) {
        List<String> names = new ArrayList<>();
        schema.getFields().forEach(f -> names.add(f.getName()));
        return names;
    }

    /** Top-level columns holding one list of numbers per row (a group with one repeated leaf). */
    static List<String> listColumns(MessageType schema) {
        List<String> names = new ArrayList<>();
        for (Type f : schema.getFields()) {
            if (leaf(schema, f) != null && !f.isPrimitive()) {
                names.add(f.getName());
            }
        }
        return names;
    }

    /** The one leaf under top-level field {@code f} of at most one repetition, or null (a struct, a list of lists). */
    private static ColumnDescriptor leaf(MessageType schema, Type f) {
        ColumnDescriptor found = null;
        for (ColumnDescriptor c : schema.getColumns()) {
            if (c.getPath()[0].equals(f.getName())) {
                if (found != null) {
                    return null;
                }
                found = c;
            }
        }
        int repetitions = f.isPrimitive() ? 0 : 1;
        return found != null && found.getMaxRepetitionLevel() == repetitions
                && !f.isRepetition(Type.Repetition.REPEATED) ? found : null;
    }

    static Resolved tabular(Path file, MessageType schema, ColumnRequest request) {
        List<String> header = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Type f : schema.getFields()) {
            (f.isPrimitive() && !f.isRepetition(Type.Repetition.REPEATED) ? header : others).add(f.getName());
        }
        if (header.isEmpty()) {
            throw new InputException(file, "schema", "has no columns of one value per row (its columns: "
                    + CsvReader.abbreviate(String.join(", ", others)) + "); a list column feeds the graph input named "
                    + "like it");
        }
        CsvColumns.Resolved r = new CsvColumns(file, header, "schema").resolve(request);
        List<Column> features = new ArrayList<>();
        List<String> names = new ArrayList<>();
        boolean[] used = new boolean[header.size()];
        for (int c : r.features()) {
            features.add(numeric(file, schema, header.get(c), false));
            names.add(header.get(c));
            used[c] = true;
        }
        Column target = null;
        if (r.target() >= 0) {
            target = numeric(file, schema, header.get(r.target()), false);
            used[r.target()] = true;
        }
        List<String> ignored = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            if (!used[c]) {
                ignored.add(header.get(c));
            }
        }
        ignored.addAll(others);
        return new Resolved(features, target, names, request.featureNames() == null ? List.of() : ignored,
                r.targetByPosition(), features.size());
    }

    static Resolved listLayout(Path file, ParquetFileReader reader, MessageType schema, String array,
            ColumnRequest request) {
        Column values = numeric(file, schema, array, true);
        Column target = null;
        if (request.target() != ColumnRequest.Target.ABSENT) {
            String name = request.label() != null ? request.label() : namedTarget(file, schema, array);
            if (name != null) {
                if (!schema.containsField(name)) {
                    throw new InputException(file, "schema", "has no column named '" + name + "' (its columns: "
                            + CsvReader.abbreviate(String.join(", ", topNames(schema))) + ")");
                }
                target = numeric(file, schema, name, false);
            } else if (request.target() == ColumnRequest.Target.REQUIRED) {
                throw new InputException(file, "schema", "has no labels column (none named "
                        + ColumnRequest.targetNamesInWords() + " beside the list column '" + array + "'): name it with "
                        + "{{LABEL}}");
            }
        }
        int width = ParquetRows.firstListLength(file, reader, schema, values);
        if (request.features() >= 0 && request.features() != width) {
            throw new InputException(file, "column '" + array + "'", "holds lists of " + width + " values, where the "
                    + "model takes " + request.features());
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < width; k++) {
            names.add(array + "[" + k + "]");
        }
        return new Resolved(List.of(values), target, names, List.of(), false, width);
    }

    /** The one scalar column named like a target, or null; several are refused. */
    private static String namedTarget(Path file, MessageType schema, String array) {
        List<String> found = new ArrayList<>();
        for (Type f : schema.getFields()) {
            if (f.isPrimitive() && !f.getName().equals(array) && ColumnRequest.isDefaultTargetName(f.getName())) {
                found.add(f.getName());
            }
        }
        if (found.size() > 1) {
            throw new InputException(file, "schema", "has columns " + String.join(" and ", found) + ", each named as "
                    + "the labels: cannot tell which they are; name one with {{LABEL}}");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /** The column {@code name} as numbers: a scalar one, or a list of them when {@code list}. */
    private static Column numeric(Path file, MessageType schema, String name, boolean list) {
        Type f = schema.getType(name);
        ColumnDescriptor leaf = leaf(schema, f);
        if (leaf == null || list == f.isPrimitive()) {
            throw new InputException(file, "column '" + name + "'", list ? "is not a list of numbers per row"
                    : "holds a list, a struct or a repeated value per row, where one number per row is read");
        }
        PrimitiveType.PrimitiveTypeName type = leaf.getPrimitiveType().getPrimitiveTypeName();
        switch (type) {
            case INT32, INT64, FLOAT, DOUBLE, BOOLEAN -> {
                return new Column(name, leaf, list);
            }
            default -> throw new InputException(file, "column '" + name + "'", "holds " + describe(leaf)
                    + " values; only numbers (integers, floats, doubles, booleans) are read");
        }
    }

    private static String describe(ColumnDescriptor leaf) {
        PrimitiveType t = leaf.getPrimitiveType();
        return t.getLogicalTypeAnnotation() != null ? t.getPrimitiveTypeName() + " (" + t.getLogicalTypeAnnotation()
                + ")" : t.getPrimitiveTypeName().toString();
    }
}
