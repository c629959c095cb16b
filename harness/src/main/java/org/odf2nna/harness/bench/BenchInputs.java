package org.odf2nna.harness.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The models and data the benchmarks use unless told otherwise: the reference material in {@code ../shared}
 * when it is there (LeNet-300-100 on MNIST, spambase), else the repository's own examples.
 *
 * @param model     the model scored, shrunk and run (scoring, memory, inference)
 * @param data      its evaluation rows
 * @param retrain   the networks retrained
 * @param csvSource the file whose rows the CSV benchmark repeats
 * @param origin    where they came from, for the report
 */
public record BenchInputs(Path model, Path data, List<RetrainBench.Case> retrain, Path csvSource, String origin) {

    static final String LENET = "models/mnist_lenet300-100_relu.onnx";

    /** The defaults: {@code shared} when it holds the reference files, else the repository's examples under {@code repo}. */
    public static BenchInputs defaults(Path shared, Path repo) {
        Path lenet = shared.resolve(LENET);
        Path mnistTest = shared.resolve("data/mnist-test.csv.gz");
        Path mnistTrain = shared.resolve("data/mnist-train.csv.gz");
        Path spambase = shared.resolve("models/spambase_57-64-64-64-2_relu.onnx");
        Path spambaseTrain = shared.resolve("data/splits/spambase-train.csv");
        if (Files.isRegularFile(lenet) && Files.isRegularFile(mnistTest) && Files.isRegularFile(mnistTrain)
                && Files.isRegularFile(spambase) && Files.isRegularFile(spambaseTrain)) {
            return new BenchInputs(lenet, mnistTest, List.of(new RetrainBench.Case("LeNet-300-100", lenet, mnistTrain),
                    new RetrainBench.Case("spambase-57-64-64-64-2", spambase, spambaseTrain)), mnistTest,
                    "reference material in " + shared);
        }
        Path digits = repo.resolve("models/digits_8x8-128-64-10_relu.onnx");
        Path iris = repo.resolve("models/iris_4-16-16-3_relu.onnx");
        return new BenchInputs(digits, repo.resolve("examples/digits/digits-test.csv.gz"),
                List.of(new RetrainBench.Case("digits-64-128-64-10", digits,
                                repo.resolve("examples/digits/digits-train.csv.gz")),
                        new RetrainBench.Case("iris-4-16-16-3", iris, repo.resolve("examples/iris/iris-train.csv"))),
                repo.resolve("examples/digits/digits-test.csv.gz"),
                "the repository's examples (" + shared + " has no LeNet/MNIST/spambase reference files)");
    }

    /** These inputs with a given model (and its rows, and its training rows when given). */
    public BenchInputs withModel(Path model, Path data, Path train) {
        String stem = model.getFileName().toString().replaceAll("\\.onnx$", "");
        List<RetrainBench.Case> cases = train == null ? List.of() : List.of(new RetrainBench.Case(stem, model, train));
        return new BenchInputs(model, data, cases, data, "given on the command line");
    }

    /** The training rows given for {@code model} (a retraining case's), or null. */
    public Path trainFor(Path model) {
        return retrain.stream().filter(c -> c.model().equals(model)).map(RetrainBench.Case::train).findFirst()
                .orElse(null);
    }
}
