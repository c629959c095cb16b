/**
 * The research harness: the paper's tables ({@code reproduce}) and the benchmarks ({@code bench}), which the command
 * line's {@code reproduce} and {@code bench} run. It uses the library's public surface alone, as any Java program
 * would: the benchmarks time the library's steps through {@code api} ({@code OnnxModel}, {@code OnnxSession},
 * {@code Training}, {@code Rows.check}).
 * The command line, compiled after it, is the module it exports to ("module not found" is no warning here).
 */
@SuppressWarnings({"module", "requires-automatic"})
module org.odf2nna.harness {
    requires java.management;
    requires jdk.management;
    requires com.google.gson;
    requires org.odf2nna;
    requires tensorflow;

    exports org.odf2nna.harness.bench to org.odf2nna.cli;
    exports org.odf2nna.harness.reproduce to org.odf2nna.cli;
}
