package org.odf2nna.cli;

import org.odf2nna.api.Odf2nna;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** --tf-threads: TensorFlow's intra-op threads in the commands that retrain (issue 69's "Time well spent"). */
final class TfThreadsOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--tf-threads", paramLabel = "N",
            description = "TensorFlow's intra-op threads for retraining (default: the machine's cores). 1 makes "
                    + "retraining bit-reproducible: the same seed writes the same bytes; more threads may split a sum "
                    + "differently from run to run.")
    void threads(int n) {
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--tf-threads must be at least 1, got " + n);
        }
        Odf2nna.useTensorFlowThreads(n);
    }
}
