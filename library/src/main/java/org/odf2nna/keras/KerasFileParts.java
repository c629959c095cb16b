package org.odf2nna.keras;

import static org.odf2nna.keras.KerasReader.MAX_BYTES;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import io.jhdf.api.WritableNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A Keras file's parts, read and written without knowing the model: a zip entry's bytes within the size limit, the
 * names of an archive's entries, an HDF5 attribute as a string, an error's first line for a message; and for the
 * writers ({@link KerasSameLayout} for {@link KerasWriter} and {@link KerasGraphWriter}, {@link SequentialConfig},
 * {@link KerasLegacyH5}) the JSON they write, an HDF5 file written through a temporary file, an HDF5 group copied with
 * new weights put in place, and the zip archive with fixed entry dates. Its own room because none of them knows the model, where the readers and
 * writers do.
 *
 * <p>jhdf 0.10.0 writes a file that neither it nor libhdf5 can read when it holds an empty group, so
 * {@link #copyGroup} leaves out groups without datasets (a weightless layer's {@code vars}); Keras reads a missing
 * group as "no variables".
 */
final class KerasFileParts {

    /** The JSON of every config and metadata entry written. */
    static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    /** The date of every entry of a written archive (1980-01-01 12:00 UTC): the same model gives the same bytes. */
    private static final long ZIP_TIME = 315532800000L + 12 * 3600 * 1000L;

    private KerasFileParts() {
    }

    static String attributeString(Attribute a) {
        Object data = a.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        return null;
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > MAX_BYTES) {
                throw new IOException("an entry unpacks to more than 1 GiB");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static String names(List<KerasModel.ZipPart> parts) {
        List<String> names = parts.stream().map(KerasModel.ZipPart::name).limit(5).toList();
        return String.join(", ", names) + (parts.size() > 5 ? ", ..." : "");
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no details";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    // ---- writing: HDF5 groups, the HDF5 file, the zip archive ------------------------------------------

    /** Copies a group's attributes and children, putting the new weights in place; returns whether it wrote any. */
    static boolean copyGroup(Group in, WritableGroup out, String path, Map<String, Object> replaced,
            boolean root) {
        boolean wrote = false;
        for (Map.Entry<String, Node> e : in.getChildren().entrySet()) {
            String name = e.getKey();
            String childPath = path.isEmpty() ? name : path + "/" + name;
            if (root && name.equals("optimizer")) {
                continue;
            }
            Node child = e.getValue();
            if (child instanceof Dataset ds) {
                Object data = replaced.containsKey(childPath) ? replaced.remove(childPath) : ds.getData();
                copyAttributes(ds, out.putDataset(name, data));
                wrote = true;
            } else if (child instanceof Group g) {
                if (!hasDatasets(g, childPath, replaced)) {
                    continue;
                }
                WritableGroup sub = out.putGroup(name);
                copyAttributes(g, sub);
                wrote |= copyGroup(g, sub, childPath, replaced, false);
            }
        }
        // A bias the original did not have (use_bias was False) goes beside its kernel.
        for (String key : new ArrayList<>(replaced.keySet())) {
            String parent = key.substring(0, key.lastIndexOf('/'));
            if (parent.equals(path) && !in.getChildren().containsKey(key.substring(key.lastIndexOf('/') + 1))) {
                out.putDataset(key.substring(key.lastIndexOf('/') + 1), replaced.remove(key));
                wrote = true;
            }
        }
        return wrote;
    }

    static boolean hasDatasets(Group g, String path, Map<String, Object> replaced) {
        for (Map.Entry<String, Node> e : g.getChildren().entrySet()) {
            if (e.getValue() instanceof Dataset) {
                return true;
            }
            if (e.getValue() instanceof Group sub && hasDatasets(sub, path + "/" + e.getKey(), replaced)) {
                return true;
            }
        }
        return false;
    }

    private static void copyAttributes(Node from, WritableNode to) {
        for (Map.Entry<String, Attribute> a : from.getAttributes().entrySet()) {
            to.putAttribute(a.getKey(), a.getValue().getData());
        }
    }

    interface H5Content {
        boolean write(WritableHdfFile out);
    }

    static byte[] writeH5(H5Content content) {
        Path temp = null;
        try {
            // A folder, so that a stop (AtomicFiles.abandonPending) deletes it with the file in it.
            temp = org.odf2nna.io.AtomicFiles.temporaryFolder(Path.of("odf2nna-keras.h5"),
                    () -> Files.createTempDirectory("odf2nna-keras-")).resolve("weights.h5");
            try (WritableHdfFile out = HdfFile.write(temp)) {
                content.write(out);
            }
            return Files.readAllBytes(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the HDF5 weights to a temporary file", e);
        } finally {
            if (temp != null) {
                org.odf2nna.io.AtomicFiles.release(temp.getParent());
            }
        }
    }

    static byte[] part(KerasModel model, String name) {
        for (KerasModel.ZipPart p : model.sourceFile().zip()) {
            if (p.name().equals(name)) {
                return p.bytes();
            }
        }
        throw new IllegalStateException(model.sourceFile().source() + " has no " + name);
    }

    static byte[] zip(List<KerasModel.ZipPart> parts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (KerasModel.ZipPart p : parts) {
                ZipEntry entry = new ZipEntry(p.name());
                entry.setTime(ZIP_TIME);
                zip.putNextEntry(entry);
                zip.write(p.bytes());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code original}'s archive, its entries in their order, with the config and the weights replaced. */
    static byte[] archiveWith(KerasModel original, String config, byte[] weights) {
        List<KerasModel.ZipPart> parts = new ArrayList<>();
        for (KerasModel.ZipPart p : original.sourceFile().zip()) {
            switch (p.name()) {
                case KerasReader.CONFIG_ENTRY -> parts.add(new KerasModel.ZipPart(p.name(),
                        config.getBytes(StandardCharsets.UTF_8)));
                case KerasReader.WEIGHTS_ENTRY -> parts.add(new KerasModel.ZipPart(p.name(), weights));
                default -> parts.add(p);
            }
        }
        return zip(parts);
    }

    /** Fails where a weight was not written: {@link #copyGroup} takes each one it writes out of {@code replaced}. */
    static void checkAllWritten(Map<String, Object> replaced) {
        if (!replaced.isEmpty()) {
            throw new IllegalStateException("weights not written: " + replaced.keySet());
        }
    }
}
