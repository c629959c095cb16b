import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Rows;
import org.odf2nna.api.Shrunk;
import org.odf2nna.api.Swept;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepSettings;

/**
 * Shrinks a network given as float arrays, on rows held in memory, without touching the file system: the library
 * API (org.odf2nna.api) as a Java program would use it. ExamplesTest compiles and runs it in `./mvnw verify`.
 *
 * Run by hand (after ./mvnw -q -B package -DskipTests):
 *   java -cp "cli/target/lib/*" examples/java/ShrinkInMemory.java
 */
public class ShrinkInMemory {

    public static void main(String[] args) {
        Random random = new Random(42);
        // A 6-24-12-3 ReLU classifier in which a third of the hidden units never fire (a large negative bias), as
        // trained networks often have; its weights are plain float arrays, [inputs][units] row-major.
        int[] widths = {6, 24, 12, 3};
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] w = new float[in * out];
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) (random.nextGaussian() / Math.sqrt(in));
            }
            float[] b = new float[out];
            boolean hidden = l + 2 < widths.length;
            for (int u = 0; u < out; u++) {
                b[u] = hidden && u % 3 == 0 ? -100f : 0.1f;
            }
            layers.add(new DenseLayer(in, out, w, b, hidden ? Activation.RELU : Activation.IDENTITY));
        }
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, layers, OutputHead.SOFTMAX);

        // 2,000 rows in memory; the network's own classes serve as labels.
        int n = 2000;
        float[] x = new float[n * 6];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) random.nextGaussian();
        }
        Rows rows = Rows.of(x, 6);
        float[] probabilities = Odf2nna.predict(network, rows);
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int c = 1; c < 3; c++) {
                best = probabilities[r * 3 + c] > probabilities[r * 3 + best] ? c : best;
            }
            labels[r] = best;
        }
        Rows labelled = rows.withTargets(labels);

        Shrunk small = Odf2nna.shrink(network, labelled, labelled,
                ShrinkSettings.builder().epsilon(0.05).retraining(RetrainSettings.builder().epochs(3).build())
                        .build());
        byte[] onnx = small.onnx();
        System.out.printf(Locale.ROOT, "%s -> %s: %d -> %d parameters (%.1f%% fewer)%n", network.architecture(),
                small.network().architecture(), network.parameterCount(), small.network().parameterCount(),
                small.reductionPercent());
        System.out.printf(Locale.ROOT, "same class as the original on %.2f%% of the rows; retrained %d epochs, kept "
                + "epoch %d%n", 100 * Odf2nna.agreement(network, small.network(), rows), small.retrainEpochsRun(),
                small.bestEpoch());
        System.out.printf(Locale.ROOT, "ONNX model in memory: %d bytes, read back as %s%n", onnx.length,
                Odf2nna.load(onnx).architecture());

        // sweep's default, progressive pruning: rounds of removal, refit and retraining on the first 1,500 rows,
        // each judged on the last 500 (its loss's 95% bound within 1 accuracy point), the smallest that holds kept.
        Rows training = Rows.of(java.util.Arrays.copyOf(x, 1500 * 6), 6)
                .withTargets(java.util.Arrays.copyOf(labels, 1500));
        Rows validation = Rows.of(java.util.Arrays.copyOfRange(x, 1500 * 6, n * 6), 6)
                .withTargets(java.util.Arrays.copyOfRange(labels, 1500, n));
        Swept swept = Odf2nna.sweep(network, training, validation,
                SweepSettings.builder().retraining(RetrainSettings.builder().epochs(3).build()).maxRounds(8)
                        .build());
        swept.choice().ifPresentOrElse(r -> System.out.printf(Locale.ROOT,
                        "sweep: %d rounds, chose round %d: %s reading %d of 6 inputs, %.1f%% fewer parameters; %s%n",
                        swept.rounds().size(), r.index(), r.network().architecture(), r.inputs().length,
                        swept.reductionPercent(), r.bound().holds() ? "holds on its validation rows" : "does not hold"),
                () -> System.out.println("sweep: no round kept the promise"));
    }
}
