import java.nio.file.Files;
import java.nio.file.Path;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Where the bytes of `convert --quantize int8` files go, for the models whose file is over 0.35 × 4 bytes per weight
 * element: W weight elements and U units (from the int8 codes), the target 1.4 W, the int8 file's tensor data (codes,
 * scales, biases and any other constants), the original's graph (its bytes less its tensor data), the two together
 * (the least an int8 file can be without renaming the original's graph), the int8 file, and what the int8 form adds
 * per int8 layer beyond its tensor data.
 * Run by scripts/int8/int8-convert-table.sh: java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" scripts/int8/Int8Bytes.java
 * ORIGINAL INT8 [ORIGINAL INT8 ...]
 */
public class Int8Bytes {

    public static void main(String[] args) throws Exception {
        System.out.println("| model | W | U | 1.4 W | int8 tensor data | original's graph | both together | int8 file "
                + "| int8 form per layer |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i + 1 < args.length; i += 2) {
            ModelProto original = ModelProto.parseFrom(Files.readAllBytes(Path.of(args[i])));
            ModelProto int8 = ModelProto.parseFrom(Files.readAllBytes(Path.of(args[i + 1])));
            long w = 0;
            long u = 0;
            int layers = 0;
            for (TensorProto t : int8.getGraph().getInitializerList()) {
                if (t.getDataType() == TensorProto.DataType.INT8_VALUE && t.getDimsCount() == 2) {
                    w += t.getDims(0) * t.getDims(1);
                    u += t.getDims(0);
                    layers++;
                }
            }
            long file = int8.getSerializedSize();
            if (file <= 1.4 * w) {
                continue;
            }
            long graph = original.getSerializedSize() - data(original);
            long data = data(int8);
            String name = Path.of(args[i]).getFileName().toString().replaceAll("\\.onnx$", "");
            System.out.printf("| %s | %d | %d | %.0f | %d | %d | %d | %d | %.0f |%n", name, w, u, 1.4 * w, data,
                    graph, data + graph, file, (double) (file - data - graph) / layers);
        }
    }

    /** Bytes of tensor values held in the file (raw or typed). */
    static long data(ModelProto model) {
        long bytes = 0;
        for (TensorProto t : model.getGraph().getInitializerList()) {
            bytes += t.getRawData().size() + 4L * t.getFloatDataCount() + 4L * t.getInt32DataCount()
                    + 8L * t.getInt64DataCount() + 8L * t.getDoubleDataCount();
        }
        return bytes;
    }
}
