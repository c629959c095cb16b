package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.report.Evaluation;
import org.odf2nna.report.ReportFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval",
        description = {"Runs the model in ONNX Runtime over labelled rows (CSV, .npy, .npz, Parquet) and prints its "
                + "metrics: accuracy, macro F1 and (two classes) ROC AUC for classification; MSE, MAE and R² for "
                + "regression. A graph that is no dense chain (several inputs, token ids, int8, any layers) runs as "
                + "it is, fed as sweep feeds it (arrays of an .npz or list columns of a Parquet file named after its "
                + "inputs, --input, --input-shape), and its first output is measured.",
            "",
            "A YOLOv8 detector (output [1, 4 + classes, anchors]) is judged by mAP50 and mAP50-95 as Ultralytics' "
                + "val computes them (conf 0.001, NMS IoU 0.7, at most 300 detections), a YOLOv5 one (output "
                + "[1, anchors, 5 + classes]: objectness x class score) as YOLOv5's val.py does (NMS IoU 0.6), on an "
                + ".npz archive of images x [N, 3, H, W] (uint8 or float /255) and boxes [N, M, 5] (class, cx, cy, w, "
                + "h normalised; rows of -1 pad), or on an Ultralytics dataset's data.yaml (its val images, "
                + "letterboxed as Ultralytics reads them, and their labels/): --task detect, or no flag where the "
                + "archive holds boxes or DATA is a data.yaml.",
            "",
            "Hugging Face rows need no flag: one array per input and the labels, from "
                + "np.savez('test.npz', **tokenizer(texts, padding='max_length', return_tensors='np'), labels=labels) "
                + "or tokenized_dataset.to_parquet('test.parquet'); pandas: df.to_parquet('test.parquet').",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx eval model.onnx test.csv --json",
            "  odf2nna-onnx eval yolov8n.onnx data.yaml"})
final class EvalCommand extends Subcommand {

    @Mixin
    ModelArgument model;

    @Parameters(index = "1", paramLabel = "DATA", description = "Labelled rows: CSV with a header (optionally .gz), "
            + ".npy, .npz or Parquet (.parquet); for a detector, an .npz of images and boxes or a data.yaml.")
    Path csv;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Mixin
    DataOptions data;

    @Mixin
    GraphFeedOptions graphInputs;

    @Override
    public Integer call() {
        // A text file is cut into the model's token windows (the task is then next-token).
        Path rows = data.rows(csv, model.path, main.err);
        Evaluation e = data.detect() || (data.task == null && FileWorkflows.holdsBoxes(csv))
                ? FileWorkflows.evaluateDetector(model.path, csv, graphInputs.modelInputs(), data.device(),
                        main.progress())
                : FileWorkflows.evaluate(model.path, rows, data.csv(), data.task(), graphInputs.modelInputs(),
                        data.device(), main.progress());
        if (json) {
            main.out.print(ReportFormat.json(e));
        } else {
            main.out.println("Model  " + e.model());
            main.out.println("Data   " + (rows == csv ? e.data() : csv.toString()) + " (" + e.countedInWords()
                    + ", " + e.task() + ")");
            if (e.label() != null) {
                main.out.println("Label  " + e.label() + ": the last column, as no column is named label, labels, "
                        + "target, class or y (name another with --label)");
            }
            main.out.println(ReportFormat.describe(e.metrics()));
        }
        if (e.warning() != null) {
            main.err.println("odf2nna-onnx: warning: " + e.warning());
        }
        return Main.OK;
    }
}
