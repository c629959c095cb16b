package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A model after the cleaning pass, and what the pass did.
 *
 * @param model the cleaned model (the one given when no pass changed anything)
 * @param steps every rewrite, in the order made
 * @param notes a pass that stopped on this graph, named with what stopped it (the model was cleaned without it)
 */
public record Cleaned(ModelProto model, List<CleaningStep> steps, List<String> notes) {

    public Cleaned {
        steps = List.copyOf(steps);
        notes = List.copyOf(notes);
    }

    /** A cleaning in which no pass stopped. */
    public Cleaned(ModelProto model, List<CleaningStep> steps) {
        this(model, steps, List.of());
    }

    public boolean changed() {
        return !steps.isEmpty();
    }

    /**
     * One phrase per pass that changed something, in the passes' order: {@code 2 Casts to the same type removed
     * (/Cast_18, /Cast_19)}, {@code 1 affine chain folded into /Gemm_1 (/Sub_2, /Mul_3, /Add_3)}; then the notes.
     */
    public List<String> summary() {
        Map<String, List<CleaningStep>> byPass = new LinkedHashMap<>();
        for (String pass : ModelCleaner.PASS_NAMES) {
            byPass.put(pass, new ArrayList<>());
        }
        steps.forEach(s -> byPass.computeIfAbsent(s.pass(), k -> new ArrayList<>()).add(s));
        List<String> lines = new ArrayList<>();
        byPass.forEach((pass, done) -> {
            if (!done.isEmpty()) {
                lines.add(phrase(pass, done));
            }
        });
        lines.addAll(notes);
        return lines;
    }

    private static String phrase(String pass, List<CleaningStep> done) {
        if (done.get(0).into() == null) {
            List<String> nodes = new ArrayList<>();
            done.forEach(s -> nodes.addAll(s.nodes()));
            return nodes.size() + " " + what(pass, nodes.size() != 1) + " (" + names(nodes) + ")";
        }
        // Folds: the nodes folded into one layer make one chain, said with the layer.
        Map<String, List<String>> byLayer = new LinkedHashMap<>();
        done.forEach(s -> byLayer.computeIfAbsent(s.into(), k -> new ArrayList<>()).addAll(s.nodes()));
        if (pass.equals(AffineBeforeLayer.NAME)) {
            // Folded from the layer backwards: said in graph order.
            byLayer.values().forEach(java.util.Collections::reverse);
        }
        List<String> parts = new ArrayList<>();
        byLayer.forEach((layer, nodes) -> parts.add(layer + " (" + names(nodes) + ")"));
        int shown = Math.min(parts.size(), 4);
        return byLayer.size() + " " + what(pass, byLayer.size() != 1) + " " + String.join(", ", parts.subList(0, shown))
                + (parts.size() > shown ? ", ... (" + (parts.size() - shown) + " more)" : "");
    }

    private static String what(String pass, boolean plural) {
        return switch (pass) {
            case LayoutTransposes.NAME -> "layout " + (plural ? "Transposes" : "Transpose") + " removed";
            case RemovalPass.SAME_TYPE_CAST -> (plural ? "Casts" : "Cast") + " to the same type removed";
            case RemovalPass.IDENTITY -> (plural ? "Identity nodes" : "Identity node") + " removed";
            case RemovalPass.INFERENCE_DROPOUT -> (plural ? "Dropouts" : "Dropout") + " (inference) removed";
            case AffineAfterLayer.NAME -> (plural ? "affine chains" : "affine chain") + " folded into";
            case AffineBeforeLayer.NAME -> (plural ? "input scalings" : "input scaling") + " folded into";
            case BatchNormIntoLayer.NAME -> (plural ? "BatchNormalizations" : "BatchNormalization") + " folded into";
            default -> pass;
        };
    }

    private static String names(List<String> nodes) {
        int shown = Math.min(nodes.size(), 6);
        return String.join(", ", nodes.subList(0, shown)) + (nodes.size() > shown ? ", ... " + (nodes.size() - shown)
                + " more" : "");
    }
}
