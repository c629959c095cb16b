package org.odf2nna.method;

import org.odf2nna.onnx.OnnxDenseModel;

/**
 * The epochs the original was trained for, as its file or a file beside it records them: what retraining's epochs
 * default to ({@link Retrainer}).
 */
final class RecordedEpochs {

    private RecordedEpochs() {
    }

    /** The original's training epochs as its file records them (metadata, else a sidecar JSON), or null. */
    static String of(OnnxDenseModel model) {
        String recorded = ModelColumns.metadata(model.model(), RetrainOptions.EPOCHS_METADATA);
        return recorded != null ? recorded : sidecar(model.source());
    }

    /**
     * The epochs recorded in the JSON sidecar beside a model ({@code model.json} next to {@code model.onnx}, as
     * training scripts write them: {"training": {"epochs": N}}), or null.
     */
    static String sidecar(java.nio.file.Path model) {
        if (model == null || model.getFileName() == null) {
            return null;
        }
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        java.nio.file.Path sidecar = model.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
        if (!java.nio.file.Files.isRegularFile(sidecar)) {
            return null;
        }
        try {
            com.google.gson.JsonElement root = com.google.gson.JsonParser.parseString(
                    java.nio.file.Files.readString(sidecar));
            com.google.gson.JsonElement epochs = root.isJsonObject() && root.getAsJsonObject().has("training")
                    && root.getAsJsonObject().get("training").isJsonObject()
                    ? root.getAsJsonObject().getAsJsonObject("training").get("epochs") : null;
            return epochs != null && epochs.isJsonPrimitive() && epochs.getAsJsonPrimitive().isNumber()
                    ? Integer.toString(epochs.getAsInt()) : null;
        } catch (java.io.IOException | RuntimeException e) {
            // A sidecar that is not what we expect is not ours to judge: the epochs stay unknown.
            return null;
        }
    }
}
