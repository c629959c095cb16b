package org.odf2nna.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.harness.bench.ScaleBench;
import picocli.CommandLine.Option;

/** The scale benchmark's options (bench scale): row counts, widths, commands, epochs, time limit. */
final class BenchScaleOptions {

    @Option(names = "--scale-rows", paramLabel = "N", split = ",", defaultValue = "10000,100000",
            description = "Scale benchmark: row counts (default: ${DEFAULT-VALUE}; the issue's full table is "
                    + "10000,100000,1000000).")
    List<Integer> scaleRows;

    @Option(names = "--widths", paramLabel = "W", split = ",", defaultValue = "256,1024",
            description = "Scale benchmark: hidden widths W of the generated 28-W-W-W-2 networks (default: "
                    + "${DEFAULT-VALUE}; the full table adds 4096).")
    List<Integer> widths;

    @Option(names = "--runs", paramLabel = "RUN", split = ",", defaultValue = "eval,shrink-eval",
            description = "Scale benchmark: commands to time beside the plain pass, among eval, shrink-eval, "
                    + "shrink-train and sweep (default: ${DEFAULT-VALUE}).")
    List<String> runs;

    @Option(names = "--scale-cross",
            description = "Scale benchmark: every row count at the first width only, the other widths at the fewest "
                    + "rows (the issue's table: 10000,100000,1000000 rows at 256, then 1024 and 4096 at 10000), "
                    + "instead of every pair of rows and width.")
    boolean scaleCross;

    @Option(names = "--scale-epochs", paramLabel = "N", defaultValue = "1",
            description = "Scale benchmark: retraining epochs of shrink-train and sweep (default: ${DEFAULT-VALUE}).")
    int scaleEpochs;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "900",
            description = "Scale benchmark: seconds a command may run before it is stopped (SIGTERM) and reported "
                    + "so, with the time and peak memory it used up to the stop and a sweep's rounds done "
                    + "(default: ${DEFAULT-VALUE}).")
    long timeout;

    /** The settings, checked (the benchmark runs the launcher under GNU time), shrinking at {@code epsilon}. */
    ScaleBench.Settings settings(Double epsilon, Path work) {
        for (int n : scaleRows) {
            BenchCommand.positive("--scale-rows", n);
        }
        for (int w : widths) {
            BenchCommand.positive("--widths", w);
        }
        for (String r : runs) {
            if (!ScaleBench.COMMANDS.contains(r)) {
                throw InputException.usage("--runs: unknown run '" + r + "', choose from "
                        + String.join(", ", ScaleBench.COMMANDS));
            }
        }
        BenchCommand.positive("--scale-epochs", scaleEpochs);
        if (timeout <= 0) {
            throw InputException.usage("--timeout must be a positive number, got " + timeout);
        }
        Path launcher = BenchCommand.locate("bin/odf2nna-onnx");
        Path time = Path.of("/usr/bin/time");
        if (launcher == null || !Files.isExecutable(time)) {
            throw InputException.usage("the scale benchmark runs bin/odf2nna-onnx under GNU time (/usr/bin/time): "
                    + (launcher == null ? "no launcher found beside this build" : "install GNU time (apt-get install "
                    + "time)"));
        }
        return new ScaleBench.Settings(new ScaleBench.Sizes(List.copyOf(scaleRows), List.copyOf(widths), scaleCross),
                List.copyOf(runs), epsilon == null ? 0.3 : epsilon, scaleEpochs,
                new ScaleBench.Launch(launcher.toAbsolutePath(), time, timeout),
                work.resolve("scale").toAbsolutePath());
    }
}
