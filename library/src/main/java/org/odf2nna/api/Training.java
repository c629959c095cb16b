package org.odf2nna.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.method.EvalData;
import org.odf2nna.method.TrainingRows;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TranslationCheck;

/**
 * Training as the tool's retraining does it, one epoch at a time in view: a dense network in TensorFlow Java (Adam
 * mini-batch steps, the validation rows scored after every epoch, the best epoch's weights kept), or a whole ONNX graph
 * translated op by op, every float initializer trainable. {@link Odf2nna#retrain} is the workflow (a pruned network
 * toward its original, distillation, the rows split and standardised inside); this is its training step on a problem
 * the caller holds, with a listener that hears each epoch.
 *
 * <p>Why public: to train the same problem in another framework and compare (the research harness's {@code bench
 * retrain} times TensorFlow Java against PyTorch on the problem {@link #problem} prepares), or to watch the epochs of a
 * training the caller sets up.
 */
public final class Training {

    /** Rows the graph's translation is checked on against ONNX Runtime before it trains. */
    public static final int GRAPH_CHECK_ROWS = 200;

    private Training() {
    }

    /**
     * One finished epoch (epoch 0: the starting weights, scored before any step).
     *
     * @param epoch            the epoch, from 0
     * @param trainLoss        the mean loss over the epoch's steps (NaN for epoch 0)
     * @param validationLoss   the loss on the validation rows
     * @param validationMetric the task's metric on them (accuracy, or the MSE for regression)
     */
    public record Epoch(int epoch, double trainLoss, double validationLoss, double validationMetric) {
    }

    /** Hears every finished epoch, as it ends. */
    @FunctionalInterface
    public interface EpochListener {
        /**
         * @param epoch  the epoch just finished
         * @param epochs how many epochs the training runs at most
         */
        void epochDone(Epoch epoch, int epochs);
    }

    /**
     * What a training returned.
     *
     * @param network   the best epoch's network (null for a graph, whose weights stay in the session)
     * @param bestEpoch the epoch whose weights were kept
     * @param history   every epoch, 0 first
     */
    public record Trained(DenseNetwork network, int bestEpoch, List<Epoch> history) {
        /** Copies the history. */
        public Trained {
            history = List.copyOf(history);
        }
    }

    /**
     * A dense network's training problem as the tool's retraining sees it: the dense chain's inputs (the rows through
     * the model's input prefix), standardised, the network conditioned to take them, the targets, split into training
     * and validation rows.
     *
     * @param network    the network to train, conditioned to the standardised rows
     * @param training   the rows trained on
     * @param validation the rows scored after every epoch
     * @param task       what the outputs are, which sets the loss ({@link #loss()})
     */
    public record Problem(DenseNetwork network, Rows training, Rows validation, Task task) {

        /**
         * The loss the training minimises: {@code SOFTMAX_CROSS_ENTROPY} (several class scores),
         * {@code SIGMOID_CROSS_ENTROPY} (one output, binary) or {@code MEAN_SQUARED_ERROR} (regression).
         */
        public String loss() {
            return Loss.forTask(task, network.outputs()).name();
        }
    }

    /**
     * The training problem of {@code model} on the labelled rows of {@code data}, as retraining prepares it: the rows
     * through the model's prefix, at most {@code maxRows} of them, split with {@code seed}, standardised on the
     * training part.
     *
     * @param maxRows         rows to use at most (≤ 0: all), before the split
     * @param validationShare the share of the rows held out for validation
     * @throws org.odf2nna.InputException when the file cannot be read or has no target column
     */
    public static Problem problem(OnnxModel model, Path data, int maxRows, double validationShare, long seed) {
        OnnxDenseModel read = model.dense();
        DenseNetwork network = read.network();
        Task task = Task.infer(network.outputs(), network.head());
        EvalData rows = new EvalData(data, ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 1024)
                .forModel(read);
        TrainingData all = TrainingRows.load(read, rows, task, Device.CPU, Progress.NONE);
        if (maxRows > 0 && all.rows() > maxRows) {
            all = new TrainingData(Arrays.copyOf(all.inputs(), maxRows * all.width()),
                    Arrays.copyOf(all.targets(), maxRows), maxRows, all.width());
        }
        TrainingData[] parts = all.split(validationShare, seed);
        Loss loss = Loss.forTask(task, network.outputs());
        Conditioning conditioning = Conditioning.fit(parts[0], loss, network.head());
        return new Problem(conditioning.toTraining(network), rows(conditioning.apply(parts[0])),
                rows(conditioning.apply(parts[1])), task);
    }

    /**
     * Trains {@code start} on {@code training} as retraining does, no teacher: the loss {@code task} sets, Adam at
     * the options' learning rate, the options' batches, epochs, seed and patience; the validation rows scored after
     * every epoch and the best epoch's weights kept. TensorFlow's threads: {@link Odf2nna#useTensorFlowThreads}.
     *
     * @param training   labelled rows of {@code start.inputs()} values
     * @param validation labelled rows, scored after every epoch
     * @param listener   hears every epoch, or null
     * @throws IllegalArgumentException when the rows are unlabelled or do not fit the network
     */
    public static Trained train(DenseNetwork start, Rows training, Rows validation, Task task, TrainingOptions options,
            EpochListener listener) {
        if (!training.labelled() || !validation.labelled()) {
            throw new IllegalArgumentException("training and validation rows need targets");
        }
        TrainingResult result = DenseTrainer.train(start, data(training), data(validation),
                Loss.forTask(task, start.outputs()), options, listener(listener));
        return new Trained(result.network(), result.bestEpoch(), epochs(result.history()));
    }

    /**
     * The float initializers of an ONNX graph (what {@link #trainGraph} trains), their elements in all, and the
     * values per row of its first input.
     *
     * @param trainable    the float initializers' names, in the graph's order
     * @param parameters   their elements in all
     * @param valuesPerRow the product of the first input's dimensions after the batch
     */
    public record GraphParameters(List<String> trainable, long parameters, int valuesPerRow) {
        /** Copies the names. */
        public GraphParameters {
            trainable = List.copyOf(trainable);
        }
    }

    /**
     * What {@link #trainGraph} trains in an ONNX graph.
     *
     * @throws org.odf2nna.InputException when the file is no ONNX model
     */
    public static GraphParameters graphParameters(Path model) {
        ModelProto m = OnnxModelFile.read(model);
        List<String> trainable = new ArrayList<>();
        long parameters = 0;
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                trainable.add(t.getName());
                parameters += t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            }
        }
        TensorShapeProto shape = m.getGraph().getInput(0).getType().getTensorType().getShape();
        int width = 1;
        for (int i = 1; i < shape.getDimCount(); i++) {
            width *= (int) shape.getDim(i).getDimValue();
        }
        return new GraphParameters(trainable, parameters, width);
    }

    /**
     * Retrains a whole ONNX classifier graph as a graph sweep's rounds do, the graph its own teacher: translated op by
     * op into TensorFlow Java (the translation checked against ONNX Runtime on {@link #GRAPH_CHECK_ROWS} rows first),
     * the {@code trainable} initializers trained with softmax cross-entropy mixed with the teacher as
     * {@code distillation} says, a {@code validationShare} of the rows held out to pick the best epoch.
     *
     * @param rows     the data input's values, with class ids as targets
     * @param listener hears every epoch, or null
     * @return the epochs and the best one ({@link Trained#network()} null)
     * @throws org.odf2nna.InputException when the graph cannot be read or translated
     */
    public static Trained trainGraph(Path model, Rows rows, Set<String> trainable, TrainingOptions options,
            Distillation distillation, double validationShare, EpochListener listener) {
        if (!rows.labelled()) {
            throw new IllegalArgumentException("rows need class ids as targets");
        }
        ModelProto graph = OnnxModelFile.read(model);
        GraphRetrainer.Settings settings = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY, options,
                distillation, validationShare, GRAPH_CHECK_ROWS, TranslationCheck.DEFAULT_TOLERANCE);
        GraphRetrainer.Retrained result = GraphRetrainer.retrain(graph, graph, new LinkedHashSet<>(trainable),
                rows.features(), rows.targets(), rows.count(), settings, listener(listener));
        return new Trained(null, result.bestEpoch(), epochs(result.history()));
    }

    private static DenseTrainer.EpochListener listener(EpochListener listener) {
        return listener == null ? (e, epochs) -> { } : (e, epochs) -> listener.epochDone(epoch(e), epochs);
    }

    private static Epoch epoch(TrainingResult.Epoch e) {
        return new Epoch(e.epoch(), e.trainLoss(), e.validationLoss(), e.validationMetric());
    }

    private static List<Epoch> epochs(List<TrainingResult.Epoch> history) {
        return history.stream().map(Training::epoch).toList();
    }

    private static TrainingData data(Rows rows) {
        return new TrainingData(rows.features(), rows.targets(), rows.count(), rows.width());
    }

    private static Rows rows(TrainingData data) {
        return new Rows(Arrays.copyOf(data.inputs(), data.rows() * data.width()), data.width(),
                Arrays.copyOf(data.targets(), data.rows()));
    }
}
