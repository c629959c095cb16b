package org.odf2nna.method;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;

/**
 * The CSV columns a model reads, for models whose inputs were chosen by name (evolution
 * with feature selection) or that were built from a CSV (a general model). They are kept in the model's
 * metadata_props, so any ONNX tool can read them:
 * {@value #FEATURES_KEY} holds a JSON list of the feature columns in input order (column names may contain
 * commas), {@value #TARGET_KEY} the target column the model was trained against.
 */
public final class ModelColumns {

    public static final String FEATURES_KEY = "odf2nna.features";
    public static final String TARGET_KEY = "odf2nna.target";

    private ModelColumns() {
    }

    /** The feature columns the model reads, in its input order, or null when it does not name them. */
    public static List<String> featureNames(OnnxDenseModel model) {
        String value = metadata(model.model(), FEATURES_KEY);
        if (value == null) {
            return null;
        }
        String place = "metadata_props '" + FEATURES_KEY + "'";
        List<String> names = new ArrayList<>();
        try {
            JsonElement parsed = JsonParser.parseString(value);
            if (!parsed.isJsonArray()) {
                throw new InputException(model.source(), place, "is not a JSON list of column names");
            }
            for (JsonElement e : (JsonArray) parsed) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw new InputException(model.source(), place, "holds " + e + ", not a column name");
                }
                names.add(e.getAsString());
            }
        } catch (JsonParseException e) {
            throw new InputException(model.source(), place, "is not a JSON list of column names: " + e.getMessage(), e);
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new InputException(model.source(), place, "names a column twice");
        }
        int inputs = model.featuresPerRow();
        if (inputs >= 0 && names.size() != inputs) {
            throw new InputException(model.source(), place, "names " + names.size() + " columns but the model takes "
                    + inputs + " inputs");
        }
        return names;
    }

    /** The target column recorded with the feature names, or null. */
    public static String targetName(OnnxDenseModel model) {
        return metadata(model.model(), TARGET_KEY);
    }

    /** The model with the feature columns (and the target column, when known) recorded, replacing old entries. */
    static ModelProto withColumns(ModelProto model, List<String> features, String target) {
        JsonArray list = new JsonArray();
        features.forEach(list::add);
        ModelProto.Builder b = model.toBuilder();
        List<StringStringEntryProto> kept = new ArrayList<>();
        for (StringStringEntryProto entry : model.getMetadataPropsList()) {
            if (!entry.getKey().equals(FEATURES_KEY) && !entry.getKey().equals(TARGET_KEY)) {
                kept.add(entry);
            }
        }
        b.clearMetadataProps().addAllMetadataProps(kept);
        b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(FEATURES_KEY).setValue(list.toString()));
        if (target != null) {
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(TARGET_KEY).setValue(target));
        }
        return b.build();
    }

    /** The value recorded under {@code key} in the model's metadata, or null. */
    static String metadata(ModelProto model, String key) {
        for (StringStringEntryProto entry : model.getMetadataPropsList()) {
            if (entry.getKey().equals(key)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
