package org.odf2nna.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** The retrain benchmark's options (bench retrain): epochs, rows, batch, threads, and the Python for PyTorch's side. */
final class BenchRetrainOptions {

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "5",
            description = "Epochs per retraining run (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-rows", paramLabel = "N", defaultValue = "0",
            description = "Training rows at most, before the 80/20 validation split (default: all).")
    int trainRows;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Retraining batch size (default: ${DEFAULT-VALUE}, shrink's default).")
    int batchSize;

    @Option(names = "--threads", paramLabel = "N", split = ",", defaultValue = "1",
            description = "Thread counts to retrain at, TensorFlow and PyTorch alike, e.g. 1,2 (default: "
                    + "${DEFAULT-VALUE}, the tool's setting).")
    List<Integer> threads;

    @Option(names = "--python", paramLabel = "PYTHON", defaultValue = "/usr/bin/python3",
            description = "Python with torch, for the PyTorch side of retrain (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--no-torch", description = "Retrain with TensorFlow Java only.")
    boolean noTorch;
}
