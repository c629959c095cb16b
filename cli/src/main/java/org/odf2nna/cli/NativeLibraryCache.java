package org.odf2nna.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * ONNX Runtime's native libraries unpacked once into a folder the launcher names ({@code -Dodf2nna.native.cache}),
 * instead of into a new temporary folder on every run, which ONNX Runtime's loader does by itself: 28 MB written
 * and deleted again by every command that runs a model (docs/research/PERFORMANCE.md, "Start-up"). The loader reads them
 * from there when {@code onnxruntime.native.path} names the folder. Only for the CPU build on Linux x86-64 (the one
 * the archive bundles); anything else, or anything that goes wrong here, leaves ONNX Runtime to unpack its own.
 */
final class NativeLibraryCache {

    /** Set by the launcher: the folder that holds one subfolder per ONNX Runtime jar. */
    static final String CACHE_PROPERTY = "odf2nna.native.cache";
    /** Read by ONNX Runtime's loader. */
    static final String ONNXRUNTIME_PATH_PROPERTY = "onnxruntime.native.path";

    private static final String RESOURCES = "ai/onnxruntime/native/linux-x64/";
    private static final String[] LIBRARIES = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};
    /** Present in the GPU build, whose provider libraries ONNX Runtime keeps unpacking itself. */
    private static final String GPU_PROVIDERS = "libonnxruntime_providers_shared.so";

    private NativeLibraryCache() {
    }

    /** Points ONNX Runtime at the unpacked libraries, unpacking them first when they are not there yet. */
    static void useForOnnxRuntime() {
        String cache = System.getProperty(CACHE_PROPERTY);
        // DJL unpacks Hugging Face's tokenizers into ~/.djl.ai unless told otherwise: beside ONNX Runtime's instead.
        if (cache != null && System.getenv("ENGINE_CACHE_DIR") == null
                && System.getProperty("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", Path.of(cache, "djl").toString());
        }
        if (cache == null || System.getProperty(ONNXRUNTIME_PATH_PROPERTY) != null
                || !"amd64".equals(System.getProperty("os.arch")) || !System.getProperty("os.name", "").equals("Linux")) {
            return;
        }
        ClassLoader loader = NativeLibraryCache.class.getClassLoader();
        URL library = loader.getResource(RESOURCES + LIBRARIES[0]);
        if (library == null || loader.getResource(RESOURCES + GPU_PROVIDERS) != null) {
            return;
        }
        try {
            Path folder = Path.of(cache, jarName(library));
            for (String name : LIBRARIES) {
                unpack(loader, name, folder.resolve(name));
            }
            System.setProperty(ONNXRUNTIME_PATH_PROPERTY, folder.toString());
        } catch (IOException | RuntimeException e) {
            // ONNX Runtime unpacks its own copy, as it always did.
        }
    }

    /** "onnxruntime-1.29.0" for a resource in .../onnxruntime-1.29.0.jar: one folder per jar, so per version. */
    private static String jarName(URL resource) {
        String url = resource.toString();
        int bang = url.indexOf("!/");
        String jar = bang < 0 ? url : url.substring(0, bang);
        String name = jar.substring(jar.lastIndexOf('/') + 1);
        return name.endsWith(".jar") ? name.substring(0, name.length() - 4) : "unpacked";
    }

    /** Unpacks one library unless a complete copy is there: written beside it, then renamed in one step. */
    private static void unpack(ClassLoader loader, String name, Path target) throws IOException {
        URL resource = loader.getResource(RESOURCES + name);
        if (resource == null) {
            throw new IOException(name + " is not in ONNX Runtime's jar");
        }
        long size = resource.openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), "." + name, ".part");
        try {
            try (InputStream in = resource.openStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
