package org.odf2nna;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What the build recorded about itself: the tool's version (the pom's, the one place it is kept) and the
 * versions of the runtimes it was built against, read from the filtered resource {@code version.properties}.
 */
public final class BuildInfo {

    /** The tool's name, as the command line and written models' producer_name give it. */
    public static final String NAME = "odf2nna-onnx";

    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    /** The tool's version, from the pom ("unknown" when the classes were not built by Maven). */
    public static String version() {
        return property("version");
    }

    /** A recorded property ({@code version}, {@code onnxruntime}, {@code tensorflow}), or "unknown". */
    public static String property(String key) {
        String value = PROPERTIES.getProperty(key, "unknown");
        return value.startsWith("${") ? "unknown" : value;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/org/odf2nna/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Left empty: every property reads as "unknown".
        }
        return p;
    }
}
