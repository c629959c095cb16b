/**
 * The library, odf2nna-onnx: its public surface is {@code org.odf2nna.api} (the entry points) and the value packages
 * the entry points take and return: the root package ({@code InputException}, {@code Progress}, {@code Device},
 * {@code Setting}), {@code network} (the dense network), {@code settings} (what a user chooses), {@code report} (what a
 * workflow returns) and {@code metrics} (what a report measures). Every other package is internal and exported to no
 * module: the command line ({@code org.odf2nna.cli}) and the research harness ({@code org.odf2nna.harness}, whose
 * benchmarks time the library's steps through {@code api}'s {@code OnnxModel}, {@code OnnxSession}, {@code Training}
 * and {@code Rows.check}) use the public surface only.
 *
 * <p>It requires the dependencies that name their module (ONNX Runtime, TensorFlow Java, protobuf, Gson, jhdf). The
 * others stay on the class path, which this module reads (the build compiles it with
 * {@code --add-reads org.odf2nna=ALL-UNNAMED}): Apache Parquet's jars split packages among themselves (parquet-column,
 * parquet-common and parquet-hadoop share {@code org.apache.parquet.io} and others), so they cannot be modules of one
 * configuration, and EJML's and XChart's jars name no module (a name taken from a file name is no name to depend
 * on). The tool runs on the class path (the launcher, the release archive, a Maven project that depends on the
 * library); this descriptor states, and the compiler checks, what the modules above it may use
 * (docs/development.md). The automatic modules it requires are the jars' own names ({@code Automatic-Module-Name}).
 */
@SuppressWarnings("requires-automatic")
module org.odf2nna {
    requires java.desktop;
    requires transitive com.google.gson;
    requires com.google.protobuf;
    requires com.microsoft.onnxruntime;
    requires io.jhdf;
    requires org.yaml.snakeyaml;
    requires org.tensorflow.ndarray;
    requires tensorflow;

    exports org.odf2nna;
    exports org.odf2nna.api;
    exports org.odf2nna.metrics;
    exports org.odf2nna.network;
    exports org.odf2nna.report;
    exports org.odf2nna.settings;
}
