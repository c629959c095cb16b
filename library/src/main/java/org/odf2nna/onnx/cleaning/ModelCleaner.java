package org.odf2nna.onnx.cleaning;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * The cleaning pass every model read goes through before any command sees it: the layout Transposes a TensorFlow
 * graph puts around each convolution go where they cancel, what computes nothing goes (a Cast to the type its input
 * has, Identity, Dropout in inference) and affine chains fold into the Gemm, MatMul or Conv beside them (a
 * BatchNormalization, or one decomposed into Sub/Mul/Add/Div by constants, as Keras 3's ONNX export writes it), as
 * onnx-simplifier and ONNX Runtime's basic optimizer do. Each pass is one small class ({@link #PASSES}); they run in
 * turn until none changes the graph, and any of them can be turned off by name. What the graph computes never changes
 * (the tests compare ONNX Runtime's outputs).
 *
 * <p>A pass that stops on a graph it did not foresee (shapes that contradict their data) is named in a note, with
 * what stopped it, and the model is cleaned again from the start without it; a {@link CleaningBug} (a pass's own
 * rewrite left the graph in a state it cannot be in) is not a note but thrown.
 */
public final class ModelCleaner {

    /**
     * One pass: the name that turns it off and what it rewrites.
     *
     * @param name what the steps name it by, and what turns it off ({@link #clean(ModelProto, Path, Collection)})
     * @param does what it rewrites, in a phrase
     */
    public record Pass(String name, String does) {
    }

    /** The passes, in the order they run. */
    public static final List<Pass> PASSES = List.of(
            new Pass(LayoutTransposes.NAME, "removes the layout Transposes around convolutions where they cancel "
                    + "(TensorFlow's NHWC graphs)"),
            new Pass(FlattenedGemm.NAME, "turns a Gemm on rows flattened to two dimensions and reshaped back "
                    + "(Hugging Face's Conv1D) into a MatMul and a bias Add"),
            new Pass(RemovalPass.SAME_TYPE_CAST, "removes a Cast to the type its input already has"),
            new Pass(RemovalPass.IDENTITY, "removes Identity nodes"),
            new Pass(RemovalPass.INFERENCE_DROPOUT, "removes Dropout (inference)"),
            new Pass(BatchNormIntoLayer.NAME, "folds a BatchNormalization into the Gemm, MatMul or Conv before it"),
            new Pass(AffineAfterLayer.NAME, "folds Sub, Mul, Add or Div by constants into the layer before them"),
            new Pass(AffineBeforeLayer.NAME, "folds an input scaling (Sub, Mul, Add or Div by constants) into the "
                    + "layer after it"));

    /** The passes' names, in the order they run. */
    public static final List<String> PASS_NAMES = PASSES.stream().map(Pass::name).toList();

    /** Rounds over all passes at most: each rewrite removes a node, so this bounds nothing a real graph reaches. */
    private static final int MAX_ROUNDS = 1000;

    private ModelCleaner() {
    }

    /** {@code model} cleaned by every pass; {@code file} names it (external data is found beside it). */
    public static Cleaned clean(ModelProto model, Path file) {
        return clean(model, file, Set.of());
    }

    /**
     * {@code model} cleaned by every pass but those named in {@code off}; {@code file} names it.
     *
     * @throws IllegalArgumentException when {@code off} names no pass ({@link #PASS_NAMES} are the names)
     */
    public static Cleaned clean(ModelProto model, Path file, Collection<String> off) {
        for (String name : off) {
            if (!PASS_NAMES.contains(name)) {
                throw new IllegalArgumentException("no cleaning pass " + name + " (the passes: "
                        + String.join(", ", PASS_NAMES) + ")");
            }
        }
        return clean(model, file, off, ModelCleaner::make);
    }

    /** {@link #clean(ModelProto, Path, Collection)} with the passes {@code make} makes by name (tests fail one). */
    static Cleaned clean(ModelProto model, Path file, Collection<String> off, Function<String, CleaningPass> make) {
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            return new Cleaned(model, List.of());
        }
        Set<String> skipped = new LinkedHashSet<>(off);
        List<String> notes = new ArrayList<>();
        while (true) {
            EditableGraph graph = new EditableGraph(model, file);
            if (graph.writesTwice()) {
                return new Cleaned(model, List.of()); // not a valid graph: the readers say so, naming the node
            }
            List<CleaningPass> passes = PASSES.stream().filter(p -> !skipped.contains(p.name()))
                    .map(p -> make.apply(p.name())).toList();
            String running = null;
            try {
                List<CleaningStep> steps = new ArrayList<>();
                for (int round = 0; round < MAX_ROUNDS; round++) {
                    int before = steps.size();
                    for (CleaningPass pass : passes) {
                        running = pass.name();
                        steps.addAll(pass.apply(graph));
                    }
                    if (steps.size() == before) {
                        break;
                    }
                }
                running = null;
                return new Cleaned(steps.isEmpty() ? model : graph.toModel(), steps, notes);
            } catch (CleaningBug e) {
                throw e;
            } catch (RuntimeException e) {
                if (running == null) {
                    // Writing the cleaned graph out stopped: the readers get the model as it is, and say why.
                    notes.add("the cleaned graph could not be written out (" + e + "); the model is read uncleaned");
                    return new Cleaned(model, List.of(), notes);
                }
                notes.add("cleaning pass " + running + " stopped on this graph (" + e + "); cleaned without it");
                skipped.add(running);
            }
        }
    }

    static CleaningPass make(String name) {
        return switch (name) {
            case LayoutTransposes.NAME -> new LayoutTransposes();
            case FlattenedGemm.NAME -> new FlattenedGemm();
            case RemovalPass.SAME_TYPE_CAST -> RemovalPass.sameTypeCast();
            case RemovalPass.IDENTITY -> RemovalPass.identity();
            case RemovalPass.INFERENCE_DROPOUT -> RemovalPass.inferenceDropout();
            case BatchNormIntoLayer.NAME -> new BatchNormIntoLayer();
            case AffineAfterLayer.NAME -> new AffineAfterLayer();
            case AffineBeforeLayer.NAME -> new AffineBeforeLayer();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
