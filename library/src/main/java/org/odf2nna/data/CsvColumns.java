package org.odf2nna.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;

/**
 * Which columns of a CSV file a {@link CsvReader} reads (and a Parquet file's scalar columns, {@link ParquetRows}) ({@link ColumnRequest}): the model's features, by name or by
 * position, and the target, by the name given, a name like a target's, or position; every ambiguity refused in one
 * line naming the header.
 */
final class CsvColumns {

    /**
     * The columns resolved.
     *
     * @param features         the feature columns, in the model's order
     * @param target           the target column, or -1
     * @param targetByPosition whether the target is the last column for want of one named as a target
     */
    record Resolved(int[] features, int target, boolean targetByPosition) {
    }

    private final Path file;
    private final List<String> header;
    private final String place;

    CsvColumns(Path file, List<String> header) {
        this(file, header, "line 1");
    }

    /** The columns of {@code header}, named in messages as being at {@code place} (a CSV file's line 1). */
    CsvColumns(Path file, List<String> header, String place) {
        this.file = file;
        this.header = header;
        this.place = place;
    }

    /**
     * The feature columns in the model's order, and the target column (or -1). The target is the column the target column name
     * names, else a column named like a target ({@link ColumnRequest#DEFAULT_TARGET_NAMES}), wherever it
     * stands; such a column is never read as a feature. Only a file without one falls back to position: the
     * last column is the target unless the file holds exactly the model's features (and the target is optional).
     */
    Resolved resolve(ColumnRequest request) {
        boolean targetByPosition = false;
        Map<String, Integer> byName = new HashMap<>();
        for (int c = 0; c < header.size(); c++) {
            byName.merge(header.get(c), c, (a, b) -> -1);
        }
        List<String> names = request.featureNames();
        int target = -1;
        if (request.target() != ColumnRequest.Target.ABSENT) {
            target = request.label() != null ? labelColumn(request.label(), byName, names) : namedTarget(names);
        }
        List<Integer> features = new ArrayList<>();
        if (names != null) {
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                Integer index = byName.get(name);
                if (index == null) {
                    missing.add(name);
                } else if (index < 0) {
                    throw new InputException(file, place, "has " + columnsNamed(name)
                            + ", which the model takes as a feature: cannot tell which to read");
                } else {
                    features.add(index);
                }
            }
            if (!missing.isEmpty()) {
                throw missingFeatures(missing, names, target);
            }
            if (target < 0 && request.target() == ColumnRequest.Target.REQUIRED) {
                throw new InputException(file, place, "has no target column (none named "
                        + String.join(" or ", ColumnRequest.DEFAULT_TARGET_NAMES) + " besides the model's "
                        + names.size() + " feature columns): name it with {{LABEL}}");
            }
        } else {
            int expected = request.features();
            int columns = header.size();
            if (target >= 0) {
                if (expected >= 0 && columns - 1 != expected) {
                    throw new InputException(file, place, "has " + columns + " columns: " + (columns - 1)
                            + " feature columns once the target column " + describeColumn(target)
                            + " is set aside, but the model takes " + expected + " feature columns"
                            + (columns - 1 < expected ? " (is a feature column missing?)" : ""));
                }
            } else if (request.target() == ColumnRequest.Target.ABSENT
                    || (request.target() == ColumnRequest.Target.OPTIONAL && expected >= 0 && columns == expected)) {
                if (expected >= 0 && columns != expected) {
                    throw new InputException(file, place, "has " + columns + " columns, but the model takes "
                            + expected + " features");
                }
            } else {
                if (columns < 2 && expected < 0) {
                    throw new InputException(file, place, "has only one column: need features and a target");
                }
                if (expected >= 0 && columns != expected + 1) {
                    String need = request.target() == ColumnRequest.Target.REQUIRED
                            ? expected + " feature columns and a target column"
                            : expected + " feature columns, optionally followed by a target column";
                    throw new InputException(file, place, "has " + columns + " columns, but the model takes "
                            + need + " (" + (expected + 1) + " in all)");
                }
                target = columns - 1;
                targetByPosition = true;
            }
            for (int c = 0; c < columns; c++) {
                if (c != target) {
                    features.add(c);
                }
            }
        }
        if (features.isEmpty()) {
            throw new InputException(file, place, "has no feature columns");
        }
        return new Resolved(features.stream().mapToInt(Integer::intValue).toArray(), target, targetByPosition);
    }

    /** The column the target column name names: exactly one, and not one the model reads as a feature. */
    private int labelColumn(String label, Map<String, Integer> byName, List<String> featureNames) {
        Integer index = byName.get(label);
        if (index == null) {
            // Names are matched exactly (a feature may differ from the target only in case); say so when that bit.
            String other = header.stream().filter(h -> h.equalsIgnoreCase(label)).findFirst().orElse(null);
            throw new InputException(file, place, "has no column named '" + label + "' ("
                    + (other != null ? "names are matched exactly; there is '" + other + "'"
                    : "columns: " + CsvReader.abbreviate(String.join(", ", header))) + ")");
        }
        if (index < 0) {
            throw new InputException(file, place, "has " + columnsNamed(label)
                    + ": cannot tell which is the target");
        }
        if (featureNames != null && featureNames.contains(label)) {
            throw new InputException(file, place, "column " + describeColumn(index) + " is named as the target "
                    + "({{LABEL}}), but the model takes it as a feature");
        }
        return index;
    }

    /**
     * The one column named like a target (case-insensitively), or -1; a column the model reads as a feature
     * by name does not count. Two such columns are an error: either could be the target.
     */
    private int namedTarget(List<String> featureNames) {
        List<Integer> found = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            String name = header.get(c);
            if (ColumnRequest.isDefaultTargetName(name) && (featureNames == null || !featureNames.contains(name))) {
                found.add(c);
            }
        }
        if (found.size() > 1) {
            List<String> described = new ArrayList<>();
            found.stream().limit(4).forEach(c -> described.add(describeColumn(c)));
            throw new InputException(file, place, "has more than one column named as the target, "
                    + String.join(" and ", described) + (found.size() > 4 ? " and " + (found.size() - 4) + " more" : "")
                    + ": cannot tell which is the target; keep one and rename or remove the others");
        }
        return found.isEmpty() ? -1 : found.get(0);
    }

    /** "more than one column named 'y' (columns 1 and 3)". */
    private String columnsNamed(String name) {
        List<String> numbers = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            if (header.get(c).equals(name)) {
                numbers.add(Integer.toString(c + 1));
            }
        }
        return "more than one column named '" + CsvReader.abbreviate(name) + "' (columns "
                + CsvReader.abbreviate(String.join(" and ", numbers)) + ")";
    }

    /** A feature column of a model that reads its columns by name is missing (or renamed). */
    private InputException missingFeatures(List<String> missing, List<String> names, int target) {
        List<String> unread = new ArrayList<>();
        java.util.Set<String> read = new java.util.HashSet<>(names);
        for (int c = 0; c < header.size(); c++) {
            if (c != target && !read.contains(header.get(c))) {
                unread.add(header.get(c));
            }
        }
        List<String> quoted = new ArrayList<>();
        missing.forEach(m -> quoted.add("'" + m + "'"));
        String what = missing.size() == 1 ? "no column named " + quoted.get(0) + ", which the model takes as a feature"
                : "no columns named " + CsvReader.abbreviate(String.join(", ", quoted)) + ", which the model takes as features";
        return new InputException(file, place, "has " + what + " (it reads its " + names.size()
                + " feature columns by name; " + (unread.isEmpty() ? "the file has no other columns"
                        : "columns it does not read: " + CsvReader.abbreviate(String.join(", ", unread))) + ")");
    }

    /** "'label' (column 4)". */
    private String describeColumn(int column) {
        return "'" + CsvReader.abbreviate(header.get(column)) + "' (column " + (column + 1) + ")";
    }
}
