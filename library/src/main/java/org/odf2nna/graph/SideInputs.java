package org.odf2nna.graph;

import static org.odf2nna.graph.GraphFeed.dimName;
import static org.odf2nna.graph.GraphFeed.dims;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.data.InputArrays;
import org.odf2nna.graph.GraphFeed.Side;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.settings.ModelInputs;

/**
 * The inputs of a graph beside the data rows ({@link GraphFeed.Side}): the element types they may hold, the axis their
 * rows go on and the sizes of their open axes, shared with the data input's. Its own room because it reads one input's
 * declaration against the data input's, where {@link GraphFeed} decides which inputs are fed and feeds them.
 */
final class SideInputs {

    private static final Set<Integer> SIDE_TYPES = Set.of(OnnxValues.FLOAT, OnnxValues.DOUBLE,
            TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.BOOL_VALUE);

    private SideInputs() {
    }

    static Side side(ValueInfoProto v, ModelInputs.Other other, ValueInfoProto pruned, InputSignature data,
            Path file, int dataFiles) {
        String name = v.getName();
        int type = v.getType().getTensorType().getElemType();
        if (!SIDE_TYPES.contains(type)) {
            throw InputException.usage(file, "input '" + name + "' holds " + TensorProto.DataType.forNumber(type)
                    + " values, which " + Setting.INPUT.ref() + " cannot feed");
        }
        long[] dims = dims(v);
        int batch = batchAxis(v, pruned, dims);
        long[] shape = dims.clone();
        boolean emptyCache = false;
        for (int d = 0; d < shape.length; d++) {
            if (d == batch) {
                shape[d] = -1;
            } else if (shape[d] < 0) {
                shape[d] = sharedSize(v, d, pruned, data);
                if (shape[d] < 0 && other == null && InputArrays.isPastCache(name)) {
                    // A decoder exported with its key/value cache: fed empty (past length 0), every window is read
                    // from its first token, as the decoder without the cache reads it.
                    shape[d] = 0;
                    emptyCache = true;
                }
                if (shape[d] < 0) {
                    throw InputException.usage(file, "input '" + name + "' has shape " + new InputSignature(name, type,
                            dims).describeShape() + ": its size on axis " + d + " is open and shared with no size of "
                            + "input '" + pruned.getName() + "'; export the model with that size fixed");
                }
            }
        }
        if (other != null && other.constant() == null) {
            if (batch != 0) {
                throw InputException.usage(file, Setting.INPUT.ref() + " " + name + ": rows of its own go on the "
                        + "first axis, and input '" + name + "' has its batch " + (batch < 0 ? "nowhere" : "on axis "
                        + batch) + "; give it a constant (" + name + "=0)");
            }
            if (other.files().size() != dataFiles && dataFiles > 0) {
                throw InputException.usage(file, Setting.INPUT.ref() + " " + other.describe() + ": " + other.files()
                        .size() + " file(s) for " + dataFiles + " data files; give input '" + name + "' one file per "
                        + "data file, in the order the run reads them, separated by commas");
            }
        }
        // A merged decoder's use_cache_branch that no file holds: false, the branch without the cache.
        boolean noCache = emptyCache || other == null && InputArrays.isCacheSwitch(name);
        Double constant = noCache ? Double.valueOf(0) : other == null ? null : other.constant();
        return new Side(name, type, shape, batch, constant, other == null ? List.of() : other.files());
    }

    /**
     * Where an input's rows go: the axis named like the data input's batch, else its only open axis, else its first
     * axis when that is open; -1 when every size is fixed (the same tensor for every row).
     */
    private static int batchAxis(ValueInfoProto v, ValueInfoProto pruned, long[] dims) {
        String batchName = dimName(pruned, 0);
        List<Integer> open = new ArrayList<>();
        for (int d = 0; d < dims.length; d++) {
            if (batchName != null && batchName.equals(dimName(v, d))) {
                return d;
            }
            if (dims[d] < 0) {
                open.add(d);
            }
        }
        if (open.size() == 1) {
            return open.get(0);
        }
        return !open.isEmpty() && open.get(0) == 0 ? 0 : -1;
    }

    /** The data row's size for an open axis the side input shares with it (by name, or by place at equal rank). */
    private static long sharedSize(ValueInfoProto v, int axis, ValueInfoProto pruned, InputSignature data) {
        long[] rows = data.shape();
        String name = dimName(v, axis);
        for (int d = 1; d < rows.length; d++) {
            if (name != null && name.equals(dimName(pruned, d))) {
                return rows[d];
            }
        }
        if (dims(v).length == rows.length && axis < rows.length && dims(pruned).length == rows.length
                && dims(pruned)[axis] < 0) {
            return rows[axis];
        }
        return -1;
    }
}
