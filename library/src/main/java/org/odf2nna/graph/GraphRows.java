package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Rows of a CSV file for a graph's one float input: {@code count} rows of the input's values (reshaped by the runner to
 * the input's shape), and a class id per row when the file has a target column.
 *
 * @param features row-major values
 * @param width    values per row
 * @param labels   class ids, or null for unlabelled rows
 */
public record GraphRows(float[] features, int width, int[] labels) {

    public int count() {
        return features.length / width;
    }

    public boolean labelled() {
        return labels != null;
    }

    /** The first {@code n} rows (all when there are fewer). */
    public GraphRows first(int n) {
        if (n >= count()) {
            return this;
        }
        return new GraphRows(Arrays.copyOf(features, n * width), width,
                labels == null ? null : Arrays.copyOf(labels, n));
    }

    /**
     * The graph's data input: its one input that is not an initializer. Several inputs, or an input that is not float,
     * are refused with one line naming the input (a usage error: the command cannot feed it CSV rows).
     */
    public static InputSignature dataInput(ModelProto model, Path file) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!initializers.contains(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw InputException.usage(file, "graph input" + (inputs.size() > 1 ? " '" + inputs.get(1).getName()
                    + "'" : "s") + ": the graph has " + inputs.size() + " data inputs ("
                    + String.join(", ", inputs.stream().map(ValueInfoProto::getName).toList())
                    + "); graph blocks are pruned on models with one float input fed from CSV rows");
        }
        ValueInfoProto v = inputs.get(0);
        int type = v.getType().getTensorType().getElemType();
        if (type != OnnxValues.FLOAT && type != OnnxValues.DOUBLE) {
            throw InputException.usage(file, "input '" + v.getName() + "' holds "
                    + org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.forNumber(type)
                    + " values; graph blocks are pruned on models whose one input is float, fed from CSV rows");
        }
        List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : -1;
        }
        InputSignature input = new InputSignature(v.getName(), type, shape);
        if (input.valuesPerRow() < 1) {
            throw InputException.usage(file, "input '" + v.getName() + "' has shape " + input.describeShape()
                    + ": the values per row must be known to feed it CSV rows");
        }
        return input;
    }

    /**
     * The model as ONNX Runtime can batch it: the data input's and the outputs' batch dimension symbolic, value_info
     * dropped.
     */
    public static ModelProto runnable(ModelProto model, InputSignature input) {
        return BlockStatistics.relaxed(model.toBuilder(), input.name()).build();
    }

    /**
     * Reads up to {@code maxRows} rows of {@code width} feature columns (and the target column when there is one).
     *
     * @param label the target column's name, or null to find it as everywhere else
     */
    public static GraphRows read(Path csv, int width, String label, int maxRows) {
        int capacity = Math.min(maxRows, 1024);
        float[] features = new float[capacity * width];
        int[] labels = new int[capacity];
        boolean labelled = false;
        int count = 0;
        try (RowReader reader = RowReader.open(csv, ColumnRequest.of(width, label, ColumnRequest.Target.OPTIONAL))) {
            Batch batch;
            while (count < maxRows && (batch = reader.next(Math.min(4096, maxRows - count))) != null) {
                if (count + batch.rows() > capacity) {
                    capacity = Math.min(maxRows, Math.max(2 * capacity, count + batch.rows()));
                    features = Arrays.copyOf(features, capacity * width);
                    labels = Arrays.copyOf(labels, capacity);
                }
                System.arraycopy(batch.features(), 0, features, count * width, batch.rows() * width);
                if (batch.hasTargets()) {
                    labelled = true;
                    for (int r = 0; r < batch.rows(); r++) {
                        double t = batch.targets()[r];
                        if (t != Math.rint(t) || t < 0) {
                            throw new InputException(csv, "line " + batch.lines()[r], "target " + t
                                    + " is not a class id (graph sweeps judge classifiers)");
                        }
                        labels[count + r] = (int) t;
                    }
                }
                count += batch.rows();
            }
            if (count == 0) {
                throw reader.noDataRows();
            }
        }
        return new GraphRows(Arrays.copyOf(features, count * width), width,
                labelled ? Arrays.copyOf(labels, count) : null);
    }
}
