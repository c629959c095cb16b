package org.odf2nna.keras;

import static org.odf2nna.keras.KerasArrays.allZero;
import static org.odf2nna.keras.KerasArrays.vector;

import com.google.gson.JsonObject;
import io.jhdf.HdfFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;

/**
 * Writing a pruned model back into the layout of the user's own Keras file, as both writers do: the dense chain's
 * ({@link KerasWriter}) and the graph's ({@link KerasGraphWriter}), through their one walk ({@link KerasLayoutWalk}),
 * which puts new datasets in a map by HDF5 path. Here a weighted layer's bias goes in (its {@code use_bias} turned on
 * where the pruned layer needs one), a BatchNormalization folded into a layer becomes the identity, and the archive is
 * written with the config and every other entry and dataset of the original.
 */
final class KerasSameLayout {

    private KerasSameLayout() {
    }

    /** The original .keras archive's weights file, to copy from. */
    static HdfFile weights(KerasModel original) {
        return HdfFile.fromBytes(KerasFileParts.part(original, KerasReader.WEIGHTS_ENTRY));
    }

    /**
     * The .keras archive of {@code original} with {@code root} as its config and {@code weights}' datasets copied,
     * those in {@code replaced} (by HDF5 path) with their new values; every one of those must have been written.
     */
    static byte[] archive(KerasModel original, HdfFile weights, JsonObject root, Map<String, Object> replaced) {
        byte[] h5 = KerasFileParts.writeH5(out -> KerasFileParts.copyGroup(weights, out, "", replaced, true));
        KerasFileParts.checkAllWritten(replaced);
        return KerasFileParts.archiveWith(original, KerasFileParts.GSON.toJson(root), h5);
    }

    /**
     * A weighted layer's bias at {@code biasPath}; a layer without one ({@code biasPath} null, {@code use_bias=False})
     * whose pruned bias is not zero gets {@code use_bias: true} and the bias at {@code addedPath} (folding gave it one).
     */
    static void bias(JsonObject config, String biasPath, String addedPath, float[] bias, boolean float64,
            Map<String, Object> replaced) {
        String path = biasPath;
        if (path == null && !allZero(bias)) {
            config.addProperty("use_bias", true);
            path = addedPath;
        }
        if (path != null) {
            replaced.put(path, vector(bias, float64));
        }
    }

    /**
     * A BatchNormalization folded into a layer, kept in the config as the identity on its channels: gamma 1, the given
     * {@code beta}, moving mean 0, moving variance 1 − ε, each written to its path ({@code roles} and {@code paths} in
     * the file's order); the layer's weights carry what it computed.
     */
    static void identityBatchNorm(Path source, String name, double epsilon, List<String> roles, List<String> paths,
            float[] beta, boolean float64, Map<String, Object> replaced) {
        if (epsilon >= 1) {
            throw new InputException(source, "layer '" + name + "'", "has epsilon " + epsilon
                    + "; a folded BatchNormalization is written as the identity, which needs epsilon below 1");
        }
        for (int r = 0; r < roles.size(); r++) {
            float[] v = switch (roles.get(r)) {
                case "gamma" -> filled(beta.length, 1f);
                case "beta" -> beta;
                case "moving_variance" -> filled(beta.length, (float) (1 - epsilon));
                default -> new float[beta.length];
            };
            replaced.put(paths.get(r), vector(v, float64));
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
