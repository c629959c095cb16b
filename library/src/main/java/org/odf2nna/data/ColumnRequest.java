package org.odf2nna.data;

import java.util.List;

/**
 * What a consumer needs from a CSV file: how many feature columns, which column is the target, and
 * whether a target must be there.
 *
 * @param features     number of feature columns the model takes, or -1 when not known
 * @param label        name of the target column, or null: then a column named {@code label}, {@code labels},
 *                     {@code target}, {@code class} or {@code y} (any case) is the target wherever it stands, and without one the last column
 * @param target       whether the target is required, optional (then the file may hold exactly the
 *                     features and no target, but never a target-named column among them), or absent (every
 *                     column is a feature)
 * @param featureNames when not null, the feature columns by name, in the model's order (models that record
 *                     their column names); other columns are ignored, and the target is found by name only
 */
public record ColumnRequest(int features, String label, Target target, List<String> featureNames) {

    public enum Target { REQUIRED, OPTIONAL, ABSENT }

    /**
     * Header names that mark the target column when no target column name is given (compared ignoring case): such
     * a column is the target wherever it stands, and never a feature.
     */
    public static final List<String> DEFAULT_TARGET_NAMES = List.of("label", "labels", "target", "class", "y");

    /** {@link #DEFAULT_TARGET_NAMES} in words, for messages ("label, labels, target, class or y"). */
    public static String targetNamesInWords() {
        int last = DEFAULT_TARGET_NAMES.size() - 1;
        return String.join(", ", DEFAULT_TARGET_NAMES.subList(0, last)) + " or " + DEFAULT_TARGET_NAMES.get(last);
    }

    /** Whether {@code name} is one of {@link #DEFAULT_TARGET_NAMES}, ignoring case. */
    public static boolean isDefaultTargetName(String name) {
        for (String n : DEFAULT_TARGET_NAMES) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    public ColumnRequest {
        featureNames = featureNames == null ? null : List.copyOf(featureNames);
    }

    public static ColumnRequest of(int features, String label, Target target) {
        return new ColumnRequest(features, label, target, null);
    }

    public ColumnRequest withFeatureNames(List<String> names) {
        return new ColumnRequest(names == null ? features : names.size(), label, target, names);
    }
}
