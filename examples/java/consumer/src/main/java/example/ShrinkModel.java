package example;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Rows;
import org.odf2nna.api.Shrunk;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.ShrinkSettings;

/**
 * Shrinks an ONNX model at one ε on the rows of a CSV file and writes the smaller model, through the library's
 * entry point, {@link Odf2nna}:
 *
 * <pre>java -cp "target/classes:..." example.ShrinkModel MODEL.onnx DATA.csv EPSILON OUT.onnx</pre>
 */
public final class ShrinkModel {

    private ShrinkModel() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: ShrinkModel MODEL.onnx DATA.csv EPSILON OUT.onnx");
            System.exit(2);
        }
        System.out.println(shrink(Path.of(args[0]), Path.of(args[1]), Double.parseDouble(args[2]), Path.of(args[3])));
    }

    /** Shrinks {@code model} on the rows of {@code csv} (no retraining), writes {@code out}, and says what it did. */
    public static String shrink(Path model, Path csv, double epsilon, Path out) throws IOException {
        DenseNetwork network = Odf2nna.load(model);
        Rows rows = Rows.read(csv, network);
        Shrunk small = Odf2nna.shrink(network, rows, ShrinkSettings.builder().epsilon(epsilon).build());
        Files.write(out, small.onnx());
        return String.format(Locale.ROOT, "%s -> %s: %d -> %d parameters (%.1f%% fewer); same class on %.1f%% of the "
                + "%d rows", network.architecture(), small.network().architecture(), network.parameterCount(),
                small.network().parameterCount(), small.reductionPercent(),
                100 * Odf2nna.agreement(network, small.network(), rows), rows.count());
    }
}
