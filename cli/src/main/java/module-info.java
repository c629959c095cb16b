/**
 * The command line, bin/odf2nna-onnx: picocli commands over the library's public surface ({@code org.odf2nna.api} and
 * the value packages it exports) and the research harness's {@code reproduce} and {@code bench}.
 */
module org.odf2nna.cli {
    requires com.google.gson;
    requires info.picocli;
    requires jdk.unsupported;
    requires org.odf2nna;
    requires org.odf2nna.harness;

    opens org.odf2nna.cli to info.picocli;
}
