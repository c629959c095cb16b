package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.data.InputArrays;
import org.odf2nna.data.RowReader;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.settings.ModelInputs;

/**
 * How rows reach a graph's inputs. The data files feed one input (the pruned input: float, or integer token ids), each
 * row reshaped to its shape without the batch axis, which {@link ModelInputs#rowShape()} gives where the model leaves
 * it open; every other input gets a constant (a zero recurrent state, a sample rate) or rows of its own, in step with
 * the data rows (an array of the data files named after it, or files of its own). Which input the data rows feed, and
 * from which array, is {@link InputArrays}' rule. What is not given is refused in one line naming the inputs.
 *
 * @param data           the input the data files feed, its row shape resolved
 * @param declared       that input as the model declares it, or null for a feed of an input as given ({@link #plain})
 * @param sides          the other inputs
 * @param dataArray      the array of the data files that holds that input's rows: its name, or {@code x}
 *                       ({@link InputArrays})
 * @param detectorImages whether the data rows are a detector's images ({@link GraphDetectionJudging#detector}):
 *                       {@link GraphRows} reads an {@code .npz} array of uint8 pixels /255, as eval and Ultralytics
 *                       feed a YOLO, for every command alike
 */
public record GraphFeed(InputSignature data, ValueInfoProto declared, List<Side> sides, String dataArray,
        boolean detectorImages) {

    /**
     * An input beside the data rows.
     *
     * @param name        the graph input
     * @param elementType its ONNX element type
     * @param shape       its dimensions, the batch axis as -1
     * @param batchAxis   where the rows go, or -1 for an input the same for every row (a scalar sample rate)
     * @param constant    the value of every element, or null for rows of its own
     * @param files       its rows, one file per data file; empty for a constant or for an array of the data files
     *                    (an {@code .npz} archive's array named after the input)
     */
    public record Side(String name, int elementType, long[] shape, int batchAxis, Double constant, List<Path> files) {

        public Side {
            shape = shape.clone();
            files = List.copyOf(files);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Values per row (one batch element). */
        public int valuesPerRow() {
            long n = 1;
            for (int d = 0; d < shape.length; d++) {
                n *= d == batchAxis ? 1 : shape[d];
            }
            return (int) n;
        }

        long[] shapeFor(int rows) {
            long[] s = shape.clone();
            if (batchAxis >= 0) {
                s[batchAxis] = rows;
            }
            return s;
        }
    }

    private static final Set<Integer> ROW_TYPES = Set.of(OnnxValues.FLOAT, OnnxValues.DOUBLE,
            TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE);

    public GraphFeed {
        sides = List.copyOf(sides);
    }

    /** A feed of {@code input} alone, as given (its shape taken as it is; no other inputs). */
    public static GraphFeed plain(InputSignature input) {
        return new GraphFeed(input, null, List.of(), RowReader.ROWS, false);
    }

    /** The graph's one float input with a fixed row shape, as the model declares it (no other inputs). */
    public static GraphFeed of(ModelProto model, Path file) {
        return resolve(model, file, ModelInputs.NONE, List.of());
    }

    /**
     * The feed {@code inputs} describe for {@code model}.
     *
     * @param dataFiles the run's data files, in order (an {@code .npz} one may hold an array for another input)
     */
    public static GraphFeed resolve(ModelProto model, Path file, ModelInputs inputs, List<Path> dataFiles) {
        Map<String, ValueInfoProto> graphInputs = fedInputs(model);
        InputArrays.Choice choice = choice(graphInputs, inputs, file, dataFiles);
        ValueInfoProto pruned = graphInputs.get(choice.input());
        InputSignature data = dataSignature(pruned, inputs.rowShape() != null ? inputs.rowShape()
                : exportedImageSize(model, pruned), file);
        List<Side> sides = new ArrayList<>();
        for (ValueInfoProto v : graphInputs.values()) {
            if (!v.getName().equals(pruned.getName())) {
                ModelInputs.Other other = inputs.others().stream().filter(o -> o.name().equals(v.getName()))
                        .findFirst().orElse(null);
                sides.add(SideInputs.side(v, other, pruned, data, file, dataFiles.size()));
            }
        }
        return new GraphFeed(data, pruned, sides, choice.array(), GraphDetectionJudging.detector(model));
    }

    /**
     * The row shape {@code 3, h, w} of an Ultralytics export with {@code dynamic=True} ({@code [batch, 3, height,
     * width]}): the {@code imgsz} it was exported at, which its metadata keeps ({@code [160, 160]}), as the size its
     * images are judged at unless {@link Setting#INPUT_SHAPE} gives another; null for any other input or model.
     */
    static long[] exportedImageSize(ModelProto model, ValueInfoProto input) {
        long[] dims = dims(input);
        if (dims.length != 4 || (dims[1] >= 0 && dims[1] != 3) || (dims[2] >= 0 && dims[3] >= 0)
                || !GraphDetectionJudging.ultralyticsDetector(model)) {
            return null;
        }
        for (var p : model.getMetadataPropsList()) {
            if (p.getKey().equals("imgsz")) {
                String[] sizes = p.getValue().replaceAll("[\\[\\]\\s]", "").split(",");
                try {
                    long h = Long.parseLong(sizes[0]);
                    long w = sizes.length > 1 ? Long.parseLong(sizes[1]) : h;
                    boolean fits = h > 0 && w > 0 && (dims[2] < 0 || dims[2] == h) && (dims[3] < 0 || dims[3] == w);
                    return fits ? new long[] {3, h, w} : null;
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The graph's inputs that rows feed, by name in the graph's order: those no initializer gives a value. */
    private static Map<String, ValueInfoProto> fedInputs(ModelProto model) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, ValueInfoProto> graphInputs = new java.util.LinkedHashMap<>();
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!initializers.contains(v.getName())) {
                graphInputs.put(v.getName(), v);
            }
        }
        return graphInputs;
    }

    /**
     * {@link #resolve}, with the data input's row shape, where the model leaves one of its sizes open and
     * {@code inputs} do not give it, read from the data files' {@code width} values per row (a BERT export's open
     * sequence length from the number of id columns): the sizes the model fixes, the open one what is left.
     */
    public static GraphFeed resolve(ModelProto model, Path file, ModelInputs inputs, List<Path> dataFiles,
            int width) {
        if (inputs.rowShape() != null || width < 1) {
            return resolve(model, file, inputs, dataFiles);
        }
        Map<String, ValueInfoProto> graphInputs = fedInputs(model);
        long[] dims = dims(prunedInput(graphInputs, inputs, file, dataFiles));
        int open = -1;
        long fixed = 1;
        for (int d = 1; d < dims.length; d++) {
            if (dims[d] < 0) {
                open = open < 0 ? d : Integer.MAX_VALUE;
            } else {
                fixed *= dims[d];
            }
        }
        if (open < 0 || open == Integer.MAX_VALUE || fixed == 0 || width % fixed != 0) {
            return resolve(model, file, inputs, dataFiles);
        }
        long[] row = java.util.Arrays.copyOfRange(dims, 1, dims.length);
        row[open - 1] = width / fixed;
        return resolve(model, file, inputs.withRowShape(row), dataFiles);
    }

    /** The size each open dimension of the data input's row gets where rows are made up ({@link #madeUp}). */
    static final long MADE_UP_SIZE = 8;

    /**
     * A feed for looking at a graph without rows of the user's ({@code inspect}): {@code inputs} as given; the first
     * input they leave open is the data input, each open size of its row {@value #MADE_UP_SIZE} unless
     * {@code inputs} give the row's shape; every other input a constant (1 for one named like a mask, so that nothing
     * is masked, else 0).
     */
    public static GraphFeed madeUp(ModelProto model, Path file, ModelInputs inputs) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<ValueInfoProto> open = new ArrayList<>();
        Set<String> given = new HashSet<>();
        inputs.others().forEach(o -> given.add(o.name()));
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!initializers.contains(v.getName()) && !given.contains(v.getName())) {
                open.add(v);
            }
        }
        if (open.isEmpty()) {
            return resolve(model, file, inputs, List.of());
        }
        String data = inputs.pruneInput() != null ? inputs.pruneInput() : open.get(0).getName();
        List<ModelInputs.Other> others = new ArrayList<>(inputs.others());
        ValueInfoProto dataInfo = open.get(0);
        for (ValueInfoProto v : open) {
            if (v.getName().equals(data)) {
                dataInfo = v;
            } else {
                boolean mask = v.getName().toLowerCase(java.util.Locale.ROOT).contains("mask")
                        && v.getType().getTensorType().getElemType() != TensorProto.DataType.BOOL_VALUE;
                others.add(new ModelInputs.Other(v.getName(), mask ? 1.0 : 0.0, List.of()));
            }
        }
        // A dynamic Ultralytics export is looked at its exported size: at the made-up one its Concats may not meet.
        long[] rowShape = inputs.rowShape() != null ? inputs.rowShape() : exportedImageSize(model, dataInfo);
        long[] dims = dims(dataInfo);
        if (rowShape == null && dims.length > 1 && java.util.Arrays.stream(dims, 1, dims.length).anyMatch(d -> d < 0)) {
            rowShape = new long[dims.length - 1];
            for (int d = 1; d < dims.length; d++) {
                rowShape[d - 1] = dims[d] >= 0 ? dims[d] : MADE_UP_SIZE;
            }
        }
        return resolve(model, file, new ModelInputs(rowShape, data, others), List.of());
    }

    /**
     * {@code count} made-up rows for this feed: tokens 0 and 1 in turn for an input of token ids, else uniform in
     * [0, 1); an input of rows of its own gets ones.
     */
    public GraphRows madeUpRows(int count) {
        int width = width();
        float[] values = new float[count * width];
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = integerRows() ? i % 2 : random.nextFloat();
        }
        Map<String, float[]> own = new HashMap<>();
        for (Side s : sides) {
            if (s.constant() == null) {
                float[] ones = new float[count * s.valuesPerRow()];
                java.util.Arrays.fill(ones, 1f);
                own.put(s.name(), ones);
            }
        }
        return new GraphRows(values, width, null, own);
    }

    private static ValueInfoProto prunedInput(Map<String, ValueInfoProto> graphInputs, ModelInputs inputs, Path file,
            List<Path> dataFiles) {
        return graphInputs.get(choice(graphInputs, inputs, file, dataFiles).input());
    }

    /** Which input the rows feed, from which array ({@link InputArrays#choose}: the one rule). */
    private static InputArrays.Choice choice(Map<String, ValueInfoProto> graphInputs, ModelInputs inputs, Path file,
            List<Path> dataFiles) {
        String all = String.join(", ", graphInputs.keySet());
        for (ModelInputs.Other o : inputs.others()) {
            if (!graphInputs.containsKey(o.name())) {
                throw InputException.usage(file, Setting.INPUT.ref() + " " + o.name() + ": the graph has no input '"
                        + o.name() + "'; its inputs: " + all);
            }
        }
        if (inputs.pruneInput() != null && !graphInputs.containsKey(inputs.pruneInput())) {
            throw InputException.usage(file, Setting.PRUNE_INPUT.ref() + " " + inputs.pruneInput() + ": the "
                    + "graph has no input '" + inputs.pruneInput() + "'; its inputs: " + all);
        }
        Set<String> given = new HashSet<>();
        inputs.others().forEach(o -> given.add(o.name()));
        return InputArrays.choose(file, new ArrayList<>(graphInputs.keySet()), given, inputs.pruneInput(), dataFiles);
    }

    /**
     * The array of the data files that holds the rows of the input they feed: that input's name where every data file
     * holds an array so named, else {@code x} ({@link InputArrays}); what to open to learn the rows' width before the
     * feed is resolved.
     */
    public static String dataArray(ModelProto model, Path file, ModelInputs inputs, List<Path> dataFiles) {
        return choice(fedInputs(model), inputs, file, dataFiles).array();
    }

    static long[] dims(ValueInfoProto v) {
        List<TensorShapeProto.Dimension> d = v.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[d.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = d.get(i).hasDimValue() ? d.get(i).getDimValue() : -1;
        }
        return shape;
    }

    static String dimName(ValueInfoProto v, int axis) {
        TensorShapeProto s = v.getType().getTensorType().getShape();
        return axis < s.getDimCount() && s.getDim(axis).hasDimParam() ? s.getDim(axis).getDimParam() : null;
    }

    private static InputSignature dataSignature(ValueInfoProto v, long[] rowShape, Path file) {
        int type = v.getType().getTensorType().getElemType();
        if (!ROW_TYPES.contains(type)) {
            throw InputException.usage(file, "input '" + v.getName() + "' holds " + TensorProto.DataType.forNumber(type)
                    + " values; the data files feed an input of float or integer (token id) values");
        }
        boolean ranked = v.getType().getTensorType().hasShape();
        long[] dims = dims(v);
        InputSignature declared = new InputSignature(v.getName(), type, dims);
        if (rowShape == null) {
            if (!ranked || declared.valuesPerRow() < 1) {
                throw InputException.usage(file, "input '" + v.getName() + "' has shape " + shapeWords(v, dims)
                        + ": the shape of its rows is open; give it with " + Setting.INPUT_SHAPE.ref() + " "
                        + placeholder(v, dims) + " (the batch axis left out" + (placeholder(v, dims).contains("?")
                                || !ranked ? "" : "; a size for each named axis") + ")");
            }
            return declared;
        }
        if (ranked && (dims.length != rowShape.length + 1 || !fits(dims, rowShape))) {
            throw InputException.usage(file, Setting.INPUT_SHAPE.ref() + " " + shapeText(rowShape)
                    + " does not fit input '" + v.getName() + "' of shape " + shapeWords(v, dims) + " (the batch "
                    + "axis left out, " + (dims.length - 1) + " sizes: " + placeholder(v, dims) + ")");
        }
        long[] shape = new long[rowShape.length + 1];
        shape[0] = -1;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return new InputSignature(v.getName(), type, shape);
    }

    private static boolean fits(long[] dims, long[] rowShape) {
        for (int d = 1; d < dims.length; d++) {
            if (dims[d] >= 0 && dims[d] != rowShape[d - 1]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The row shape with its known sizes, each named axis by its name (the size to give for it) and a {@code ?} for
     * each other open one ({@code 3,sequence,?}).
     */
    static String placeholder(ValueInfoProto v, long[] dims) {
        StringBuilder s = new StringBuilder();
        for (int d = 1; d < dims.length; d++) {
            s.append(d > 1 ? "," : "").append(axis(v, dims, d));
        }
        return dims.length <= 1 ? "(nothing: rows of one value)" : s.toString();
    }

    /** The input's shape with the batch axis as {@code batch} and each named axis by its name ({@code [batch, seq]}). */
    static String shapeWords(ValueInfoProto v, long[] dims) {
        StringBuilder s = new StringBuilder("[");
        for (int d = 0; d < dims.length; d++) {
            s.append(d > 0 ? ", " : "").append(d == 0 && dims[0] < 0 ? "batch" : axis(v, dims, d));
        }
        return s.append(']').toString();
    }

    private static String axis(ValueInfoProto v, long[] dims, int d) {
        String name = dimName(v, d);
        return dims[d] >= 0 ? Long.toString(dims[d]) : name != null && !name.isBlank() ? name : "?";
    }

    /** Values per data row. */
    public int width() {
        return data.valuesPerRow();
    }

    /** Whether the graph takes only the data rows, as float (what end-to-end retraining translates). */
    public boolean singleFloatInput() {
        return sides.isEmpty() && (data.elementType() == OnnxValues.FLOAT || data.elementType() == OnnxValues.DOUBLE);
    }

    /**
     * Whether end-to-end retraining can take these rows: one float input, or several inputs (token ids among them)
     * whose batch is each one's first axis, packed side by side.
     */
    public boolean retrainable() {
        return singleFloatInput() || sides.stream().allMatch(s -> s.batchAxis() == 0);
    }

    /** Values of one row over every input fed from the rows (the data input and the sides). */
    public long valuesPerRowFed() {
        return width() + sides.stream().filter(s -> s.constant() == null).mapToLong(Side::valuesPerRow).sum();
    }

    /** Whether the data input takes integers (token ids): its values must be whole numbers. */
    public boolean integerRows() {
        return data.elementType() == TensorProto.DataType.INT64_VALUE
                || data.elementType() == TensorProto.DataType.INT32_VALUE;
    }

    /** {@code model} with the data input's row shape fixed as resolved (its batch kept), for translation and checks. */
    public ModelProto fixed(ModelProto model) {
        if (declared == null) {
            return model;
        }
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        TensorShapeProto had = declared.getType().getTensorType().getShape();
        long[] dims = data.shape();
        for (int d = 0; d < dims.length; d++) {
            if (d == 0) {
                shape.addDim(had.getDimCount() > 0 ? had.getDim(0)
                        : TensorShapeProto.Dimension.newBuilder().setDimParam("N").build());
            } else {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[d]));
            }
        }
        ValueInfoProto fixedInput = declared.toBuilder().setType(declared.getType().toBuilder().setTensorType(
                declared.getType().getTensorType().toBuilder().setShape(shape))).build();
        return withInput(model, fixedInput);
    }

    /** {@code model} with the data input declared as the original declared it: open dimensions open again. */
    public ModelProto reopened(ModelProto model) {
        return declared == null ? model : withInput(model, declared);
    }

    private static ModelProto withInput(ModelProto model, ValueInfoProto input) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            if (g.getInput(i).getName().equals(input.getName())) {
                g.setInput(i, input);
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /**
     * Whether the model declares the data input's batch axis fixed at 1 ({@code [1, 3, 160, 160]}): its rows are fed
     * one per run, as it takes them (a Reshape inside fixes the batch too, and ONNX Runtime would log an error for
     * every batch tried).
     */
    public boolean batchFixedAtOne() {
        if (declared != null) {
            long[] dims = dims(declared);
            return dims.length > 1 && dims[0] == 1;
        }
        return data.batchFixedAtOne();
    }

    /**
     * The batch the model declares fixed for the data input when it is more than 1 ({@code [4, 3, 160, 160]}, an
     * Ultralytics export with {@code batch=4}), else 0. Such a graph may fix that batch inside (a Reshape to
     * {@code [4, 67, -1]}): a batch of another size either fails or, as a multiple of it, runs with the images mixed;
     * its rows go one per run, and where one row is refused the model is refused in one line.
     */
    long fixedBatchOverOne() {
        long[] dims = declared != null ? dims(declared) : new long[0];
        return dims.length > 1 && dims[0] > 1 ? dims[0] : 0;
    }

    /** Opens a session over {@code model} (a copy batched by {@link GraphRows#runnable}). */
    public Session open(ModelProto model, Device device, Path file) {
        OnnxRunner runner = OnnxRunner.open(model, data, device, file);
        return new Session(batchFixedAtOne() || fixedBatchOverOne() > 0 ? runner.oneRowPerRun() : runner, file);
    }

    /**
     * Row {@code row} of {@code rows} as one run feeds it, every input of this feed included: what
     * {@link org.odf2nna.onnx.MultiplyAdds} counts a graph's multiply-adds per row on.
     */
    public List<OnnxRunner.Fed> oneRow(GraphRows rows, int row) {
        return new Session(null, null).feeds(rows, row, 1);
    }

    /** One ONNX Runtime session fed rows of {@link GraphRows} with every input this feed gives. */
    public final class Session implements AutoCloseable {
        private final OnnxRunner runner;
        private final Map<Integer, float[]> constants = new HashMap<>();
        private final Path file;
        /** Whether a first row has run (for a model whose batch is fixed above 1, a trial: {@link #firstRow}). */
        private boolean rowRun;

        private Session(OnnxRunner runner, Path file) {
            this.runner = runner;
            this.file = file;
        }

        /**
         * Whether rows go one per run: the model fixes its batch at 1, or a batch was refused (the runner's rule,
         * {@link OnnxRunner#batch}).
         */
        public boolean rowByRow() {
            return runner.isRowByRow();
        }

        /** Rows {@code start .. start+count} of {@code rows} through the graph: the outputs asked for, as floats. */
        public Map<String, float[]> run(GraphRows rows, int start, int count, List<String> outputs) {
            Map<String, float[]> values = new HashMap<>();
            runShaped(rows, start, count, outputs).forEach((k, v) -> values.put(k, v.values()));
            return values;
        }

        /** {@link #run}, with each output's shape. */
        public Map<String, OnnxRunner.Out> runShaped(GraphRows rows, int start, int count, List<String> outputs) {
            // One rule for every session (OnnxRunner#batch): a batch-1 export row by row, another's first batch tried.
            Map<String, OnnxRunner.Out> out = count > 1 && !runner.isRowByRow()
                    ? runner.batch(feeds(rows, start, count), outputs) : null;
            return out != null ? out : eachRow(rows, start, count, outputs);
        }

        private Map<String, OnnxRunner.Out> eachRow(GraphRows rows, int start, int count, List<String> outputs) {
            Map<String, List<OnnxRunner.Out>> parts = new HashMap<>();
            for (int r = 0; r < count; r++) {
                List<OnnxRunner.Fed> one = feeds(rows, start + r, 1);
                (rowRun || fixedBatchOverOne() == 0 ? runner.runInputs(one, outputs) : firstRow(one, outputs))
                        .forEach((k, v) -> parts.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                rowRun = true;
            }
            Map<String, OnnxRunner.Out> joined = new HashMap<>();
            parts.forEach((k, list) -> {
                int width = list.get(0).values().length;
                float[] all = new float[width * count];
                for (int r = 0; r < count; r++) {
                    System.arraycopy(list.get(r).values(), 0, all, r * width, width);
                }
                long[] shape = list.get(0).shape().clone();
                if (shape.length > 0) {
                    shape[0] *= count;
                }
                joined.put(k, new OnnxRunner.Out(all, shape));
            });
            return joined;
        }

        /**
         * The first row of a model whose batch is fixed above 1, run as a trial (ONNX Runtime's logging quiet): where
         * the graph keeps its batch inside and refuses it, the model is refused in one line that says how to export it.
         */
        private Map<String, OnnxRunner.Out> firstRow(List<OnnxRunner.Fed> one, List<String> outputs) {
            try {
                return runner.runInputs(one, outputs, true);
            } catch (org.odf2nna.InputException e) {
                long batch = fixedBatchOverOne();
                throw org.odf2nna.InputException.usage(file, "input '" + data.name() + "' has shape "
                        + shapeWords(declared, dims(declared)) + ": its batch is fixed at " + batch
                        + ", and the graph keeps that batch inside (it runs no single image, nor a batch of another "
                        + "size); export the model with a batch of 1 or a dynamic one (Ultralytics: batch=1, the "
                        + "default, or dynamic=True)");
            }
        }

        private List<OnnxRunner.Fed> feeds(GraphRows rows, int start, int count) {
            int w = rows.width();
            List<OnnxRunner.Fed> feeds = new ArrayList<>();
            // Images held as bytes are handed out as floats for the rows of this call alone.
            boolean held = rows.pixels() == null;
            feeds.add(new OnnxRunner.Fed(data.name(), data.elementType(), data.batchShape(count, w),
                    held ? rows.features() : rows.values(start, count), held ? start * w : 0, count * w));
            for (Side s : sides) {
                long[] shape = s.shapeFor(count);
                int n = s.valuesPerRow() * (s.batchAxis() >= 0 ? count : 1);
                if (s.constant() != null) {
                    float[] v = constants.computeIfAbsent(sides.indexOf(s) * 1_000_003 + n, k -> {
                        float[] c = new float[n];
                        java.util.Arrays.fill(c, s.constant().floatValue());
                        return c;
                    });
                    feeds.add(new OnnxRunner.Fed(s.name(), s.elementType(), shape, v, 0, n));
                } else {
                    float[] v = rows.side(s.name());
                    int per = s.valuesPerRow();
                    feeds.add(new OnnxRunner.Fed(s.name(), s.elementType(), shape, v, start * per, count * per));
                }
            }
            return feeds;
        }

        @Override
        public void close() {
            runner.close();
        }
    }

    /** A shape as the settings write it ({@code 3,48,192}). */
    private static String shapeText(long[] shape) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? "," : "").append(shape[i]);
        }
        return s.toString();
    }
}
