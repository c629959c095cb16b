import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Rows;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;

/**
 * What rounding the int8 scales and biases to float16 (layers of 32 units or more) does to a regression model's MSE,
 * part by part, in Java (the networks that are judged): float; int8 with float scales and biases; scales rounded;
 * biases rounded; both (what `convert --quantize` writes now), in the weight-only and the integer form. Then, weight-
 * only with float biases, six random changes of each wide layer's scales by a factor within 1 ± 2^-11 (the codes
 * chosen again): how much MSE moves with any change that small.
 * Run: java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" scripts/int8/Int8HalfRounding.java MODEL TEST-CSV
 */
public class Int8HalfRounding {

    public static void main(String[] args) {
        DenseNetwork net = Odf2nna.load(Path.of(args[0]));
        Rows rows = Rows.read(Path.of(args[1]), net);
        String[] names = {"float", "int8, float scales and biases", "scales float16", "biases float16", "both float16"};
        for (boolean integer : new boolean[] {false, true}) {
            for (int v = 0; v < names.length; v++) {
                DenseNetwork n = net;
                if (v > 0) {
                    List<DenseLayer> layers = new ArrayList<>();
                    for (DenseLayer l : net.layers()) {
                        DenseLayer plain = Int8Quantization.quantize(l, false);
                        DenseLayer half = Int8Quantization.quantize(l, true);
                        float[] w = v == 2 || v == 4 ? half.weights() : plain.weights();
                        float[] b = v == 3 || v == 4 ? half.bias() : plain.bias();
                        layers.add(new DenseLayer(l.inputs(), l.units(), w, b, l.activation(), integer));
                    }
                    n = net.withLayers(layers);
                }
                System.out.printf("%s, %s: MSE %.4f%n", integer ? "integer" : "weight-only", names[v], mse(n, rows));
            }
        }
        Random random = new Random(1);
        for (int trial = 0; trial < 6; trial++) {
            List<DenseLayer> layers = new ArrayList<>();
            for (DenseLayer l : net.layers()) {
                float[] s = Int8Quantization.exactCodes(Int8Quantization.quantize(l, false)).scales();
                if (l.units() >= Int8Quantization.HALF_MIN_UNITS) {
                    for (int j = 0; j < s.length; j++) {
                        s[j] *= (float) (1 + (random.nextDouble() * 2 - 1) * 0x1p-11);
                    }
                }
                float[] w = l.weights();
                float[] q = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    float sj = s[k % l.units()];
                    q[k] = (float) Math.max(-127, Math.min(127, Math.round((double) w[k] / sj))) * sj;
                }
                layers.add(new DenseLayer(l.inputs(), l.units(), q, l.bias(), l.activation(), false));
            }
            System.out.printf("weight-only, scales changed at random within 2^-11 (%d): MSE %.4f%n", trial + 1,
                    mse(net.withLayers(layers), rows));
        }
    }

    static double mse(DenseNetwork network, Rows rows) {
        float[] p = Odf2nna.predict(network, rows);
        float[] t = rows.targets();
        double sum = 0;
        for (int i = 0; i < t.length; i++) {
            double d = p[i] - t[i];
            sum += d * d;
        }
        return sum / t.length;
    }
}
