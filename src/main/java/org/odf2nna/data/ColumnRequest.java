package org.odf2nna.data;

import java.util.List;

/**
 * What a consumer needs from a CSV file: how many feature columns, which column is the target, and
 * whether a target must be there.
 *
 * @param features     number of feature columns the model takes, or -1 when not known
 * @param label        name of the target column, or null for "the last column"
 * @param target       whether the target is required, optional (then the file may hold exactly the
 *                     features and no target), or absent (every column is a feature)
 * @param featureNames when not null, the feature columns by name, in the model's order (models whose
 *                     inputs were selected by name); other columns are ignored
 */
public record ColumnRequest(int features, String label, Target target, List<String> featureNames) {

    public enum Target { REQUIRED, OPTIONAL, ABSENT }

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
