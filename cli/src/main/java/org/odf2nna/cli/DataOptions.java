package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.api.TextWindows;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Task;
import picocli.CommandLine.Option;

/** Options shared by the commands that read data rows (CSV, .npy, .npz, Parquet) and run a model. */
final class DataOptions {

    @Option(names = "--label", paramLabel = "NAME",
            description = "Name of the target column, in every CSV or Parquet file of the run, or of the labels' "
                    + "array in an .npz archive (default: a column or array named label, labels, target, class or y, "
                    + "in any case, wherever it stands; without one, the last column when the file has one more "
                    + "column than the model has inputs). The target column is never read as a feature.")
    String label;

    @Option(names = "--task", paramLabel = "TASK",
            description = "classification, regression, next-token, or (eval) detect (default: inferred from the "
                    + "model's output: several outputs or a Sigmoid/Softmax head mean classification, one raw output "
                    + "regression). next-token: a causal language model on windows of token ids alone, the target at t "
                    + "the token at t + 1, judged by perplexity; eval recognises one without it where the rows have no "
                    + "labels. detect: a YOLOv8 or YOLOv5 detector's mAP on images and boxes.")
    String task;

    @Option(names = "--inference-batch", paramLabel = "N", defaultValue = "1024",
            description = "Rows per ONNX Runtime call when scoring and evaluating (default: ${DEFAULT-VALUE}).")
    int inferenceBatch;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu or cuda: where ONNX Runtime scores and evaluates and TensorFlow retrains (cuda needs "
                    + "the gpu build, ./mvnw -Pgpu package, and CUDA 12). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--window", paramLabel = "N",
            description = "Tokens per window where a data file is text (.txt) and the model's input takes windows of "
                    + "any length (default: the input's fixed length).")
    Integer window;

    @Option(names = "--tokenizer", paramLabel = "JSON",
            description = "A Hugging Face tokenizer.json that cuts a text data file (.txt) into the model's token ids "
                    + "(default: the text's bytes are the tokens, a byte-level vocabulary of 256).")
    Path tokenizer;

    /** Whether a text file was cut into windows: the task is then next-token. */
    private boolean text;

    Task task() {
        if (text && task == null) {
            return Task.NEXT_TOKEN;
        }
        return task == null ? null : Task.parse(task);
    }

    /**
     * {@code file} as the run reads it: a text file ({@code .txt}) cut into {@code model}'s windows of token ids (a line
     * on {@code err} says how many), any other file (and null) as it is.
     */
    Path rows(Path file, Path model, java.io.PrintStream err) {
        if (!TextWindows.isText(file)) {
            return file;
        }
        if (task != null && Task.parse(task) != Task.NEXT_TOKEN) {
            throw InputException.usage(file, "is text, read as windows of tokens for --task next-token, and --task "
                    + "gives " + task);
        }
        if (window != null && window < 2) {
            throw InputException.usage("--window " + window + ": a window holds at least 2 tokens");
        }
        TextWindows.Cut cut = TextWindows.cut(model, file, new TextWindows.Reading(window, tokenizer));
        err.println("Text   " + cut.describe());
        text = true;
        return cut.windows();
    }

    /** Whether {@code --task detect} was given: a detector's images and boxes, judged by mAP ({@code eval} alone). */
    boolean detect() {
        return task != null && task.trim().equalsIgnoreCase("detect");
    }

    /** The device ONNX Runtime and TensorFlow are given. */
    Device device() {
        return Device.parse(device);
    }

    /** How every CSV file of the run is read. */
    CsvReading csv() {
        return Flags.built(() -> new CsvReading(label, inferenceBatch));
    }
}
