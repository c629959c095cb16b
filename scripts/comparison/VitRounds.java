/*
 * The heads' control of docs/research/COMPARISON.md: the default graph sweep (the library's defaults, as `sweep` runs with no
 * options), with every round's graph written twice into OUT: refitted-N.onnx (pruned and refitted, before the
 * end-to-end retraining) and retrained-N.onnx (what the sweep judged). torch_pruning_vit.py --control retrains the
 * refitted ones by its PyTorch loop. The chosen model and the JSON report are written as `sweep -o ... --report ...`.
 *
 *   ./mvnw -q -B -o package -DskipTests
 *   javac -cp 'cli/target/lib/*' -d $RUNS/vitrounds scripts/comparison/VitRounds.java
 *   java -cp "$RUNS/vitrounds:cli/target/lib/*" VitRounds MODEL TRAIN VALIDATION REPORT OUT
 */
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.graph.RoundGraphsProgress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

public class VitRounds {
    public static void main(String[] a) throws IOException {
        Path out = Files.createDirectories(Path.of(a[4]));
        long started = System.nanoTime();
        RoundGraphsProgress dump = new RoundGraphsProgress() {
            private String last = "";

            @Override
            public void update(String phase, long done, long total, String detail) {
                if (!phase.equals(last)) {
                    last = phase;
                    System.err.printf("%7.0f s  %s%n", (System.nanoTime() - started) / 1e9, phase);
                }
            }

            @Override
            public void refitted(int round, ModelProto model) {
                write(out.resolve("refitted-" + round + ".onnx"), model);
            }

            @Override
            public void finished(int round, ModelProto model) {
                write(out.resolve("retrained-" + round + ".onnx"), model);
            }
        };
        SweepFiles files = SweepFiles.of(Path.of(a[0]), Path.of(a[1]), Path.of(a[3]), out.resolve("chosen.onnx"))
                .withValidation(Path.of(a[2])).withReport(out.resolve("report.json"));
        var report = FileWorkflows.sweep(files, SweepSettings.defaults(), dump);
        for (var r : report.outcome().rounds()) {
            System.out.printf("round %d %s block %.1f%% all %.1f%% epoch %s val %.4f rep %.4f%s%n", r.round(), r.size().widths(),
                    r.size().blockReductionPercent(), r.size().reductionPercent(), r.retrainedEpoch(), r.validation().accuracy(),
                    r.report().accuracy(), r.holds() ? "" : " x");
        }
        System.out.println(report.outcome().choice());
    }

    private static void write(Path file, ModelProto model) {
        try {
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
