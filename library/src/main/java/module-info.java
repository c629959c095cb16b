/**
 * The library, odf2nna-onnx: its public surface is {@code org.odf2nna.api} (the entry points) and the value packages
 * the entry points take and return: the root package ({@code InputException}, {@code Progress}, {@code Device},
 * {@code Setting}), {@code network} (the dense network), {@code settings} (what a user chooses), {@code report} (what a
 * workflow returns) and {@code metrics} (what a report measures). Every other package is internal: the research
 * harness (module {@code org.odf2nna.harness}) measures the internals its benchmarks time, so they are exported to it
 * alone; the command line ({@code org.odf2nna.cli}) uses the public surface only.
 *
 * <p>It requires the dependencies that name their module (ONNX Runtime, TensorFlow Java, protobuf, Gson, jhdf). The
 * others stay on the class path, which this module reads (the build compiles it with
 * {@code --add-reads org.odf2nna=ALL-UNNAMED}): Apache Parquet's jars split packages among themselves (parquet-column,
 * parquet-common and parquet-hadoop share {@code org.apache.parquet.io} and others), so they cannot be modules of one
 * configuration, and EJML's and XChart's jars name no module (a name taken from a file name is no name to depend
 * on). The tool runs on the class path (the launcher, the release archive, a Maven project that depends on the
 * library); this descriptor states, and the compiler checks, what the modules above it may use
 * (docs/development.md). The two modules it exports to are compiled after it, hence "module not found" is no warning
 * here; the automatic modules it requires are the jars' own names ({@code Automatic-Module-Name}).
 */
@SuppressWarnings({"module", "requires-automatic"})
module org.odf2nna {
    requires java.desktop;
    requires transitive com.google.gson;
    requires com.google.protobuf;
    requires com.microsoft.onnxruntime;
    requires io.jhdf;
    requires org.tensorflow.ndarray;
    requires tensorflow;

    exports org.odf2nna;
    exports org.odf2nna.api;
    exports org.odf2nna.metrics;
    exports org.odf2nna.network;
    exports org.odf2nna.report;
    exports org.odf2nna.settings;

    exports org.odf2nna.data to org.odf2nna.harness;
    exports org.odf2nna.graph to org.odf2nna.harness;
    exports org.odf2nna.io to org.odf2nna.harness;
    exports org.odf2nna.method to org.odf2nna.harness;
    exports org.odf2nna.onnx to org.odf2nna.harness;
    exports org.odf2nna.onnx.proto to org.odf2nna.harness;
    exports org.odf2nna.prune to org.odf2nna.harness;
    exports org.odf2nna.tf to org.odf2nna.harness;
}
