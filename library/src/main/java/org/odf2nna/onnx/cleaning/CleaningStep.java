package org.odf2nna.onnx.cleaning;

import java.util.List;

/**
 * One rewrite the cleaning pass made.
 *
 * @param pass  the pass that made it: {@code layout-transposes}, {@code flattened-gemm}, {@code same-type-cast}, {@code identity}, {@code inference-dropout},
 *              {@code affine-after-layer}, {@code affine-before-layer}, {@code batchnorm-into-layer}
 * @param nodes the nodes removed or folded, by name (op type and output when unnamed)
 * @param into  the node they were folded into, or null where they were only removed
 */
public record CleaningStep(String pass, List<String> nodes, String into) {

    public CleaningStep {
        nodes = List.copyOf(nodes);
    }
}
