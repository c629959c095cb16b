package org.odf2nna.method;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.odf2nna.InputException;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Truth;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * An Ultralytics dataset's split as its {@code val} reads it: {@code data.yaml}'s {@code path} and the split's folder
 * of images (or a text file listing them), each image's labels in the file of the same name under {@code labels/}
 * where the path says {@code images/} (one {@code class cx cy w h} line per box, normalised); each image letterboxed
 * into the model's square input ({@link Letterbox}).
 */
final class DatasetDetectionImages implements DetectionImages {

    private static final Set<String> SUFFIXES = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final List<Path> images;
    private final int size;
    private final List<Path> labelFiles = new ArrayList<>();
    private final List<List<Integer>> labelLines = new ArrayList<>();
    private int read;

    private DatasetDetectionImages(List<Path> images, int size) {
        this.images = images;
        this.size = size;
    }

    /** Whether {@code data} is a YAML file (an Ultralytics dataset's description). */
    static boolean isYaml(Path data) {
        String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** The images of {@code split} ({@code val}) of the dataset {@code yaml} describes, for an input of {@code size}. */
    static DatasetDetectionImages open(Path yaml, String split, int size) {
        Map<?, ?> spec = spec(yaml);
        Object where = spec.get(split);
        if (!(where instanceof String folder)) {
            throw new InputException(yaml, "key '" + split + "'", where == null ? "is missing; the images judged are "
                    + "the '" + split + "' split (a folder of images or a text file listing them)"
                    : "is not one folder or list file (" + where + ")");
        }
        Path root = spec.get("path") instanceof String p ? Path.of(p) : Path.of(".");
        Path parent = yaml.toAbsolutePath().getParent();
        if (!root.isAbsolute()) {
            root = parent.resolve(root).normalize();
        }
        Path split0 = root.resolve(folder);
        List<Path> found = listed(yaml, split, split0);
        if (found.isEmpty()) {
            throw new InputException(yaml, "key '" + split + "'", split0 + " holds no images (" + String.join(", ",
                    SUFFIXES) + ")");
        }
        return new DatasetDetectionImages(found, size);
    }

    private static Map<?, ?> spec(Path yaml) {
        try {
            Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(yaml));
            if (loaded instanceof Map<?, ?> map) {
                return map;
            }
            throw new InputException(yaml, null, "is no dataset description (path, train, val, names)");
        } catch (IOException e) {
            throw new InputException(yaml, null, "cannot be read: " + e.getMessage(), e);
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new InputException(yaml, null, "is no YAML: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static List<Path> listed(Path yaml, String split, Path where) {
        try {
            if (Files.isRegularFile(where)) {
                List<Path> paths = new ArrayList<>();
                for (String line : Files.readAllLines(where)) {
                    if (!line.isBlank()) {
                        Path p = Path.of(line.trim());
                        paths.add(p.isAbsolute() ? p : where.getParent().resolve(p).normalize());
                    }
                }
                return paths;
            }
            try (Stream<Path> walk = Files.walk(where)) {
                return walk.filter(p -> SUFFIXES.contains(suffix(p))).sorted().toList();
            }
        } catch (IOException e) {
            throw new InputException(yaml, "key '" + split + "'", where + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static String suffix(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Ultralytics' rule: the last {@code /images/} of the path becomes {@code /labels/}, the suffix {@code .txt}. */
    static Path labelFile(Path image) {
        String s = image.toString();
        int at = s.lastIndexOf("/images/");
        String labels = at < 0 ? s : s.substring(0, at) + "/labels/" + s.substring(at + "/images/".length());
        int dot = labels.lastIndexOf('.');
        return Path.of((dot > labels.lastIndexOf('/') ? labels.substring(0, dot) : labels) + ".txt");
    }

    @Override
    public int count() {
        return images.size();
    }

    @Override
    public Batch next(int most) {
        int n = Math.min(most, images.size() - read);
        if (n <= 0) {
            return null;
        }
        float[] pixels = new float[n * 3 * size * size];
        List<List<Truth>> truths = new ArrayList<>();
        List<Box> bounds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path file = images.get(read + i);
            BufferedImage image = image(file);
            Letterbox box = Letterbox.of(image.getWidth(), image.getHeight(), size);
            System.arraycopy(box.pixels(image), 0, pixels, i * 3 * size * size, 3 * size * size);
            truths.add(truths(labelFile(file), box));
            bounds.add(new Box(box.left(), box.top(), (float) (box.left() + box.originalWidth() * box.gain()),
                    (float) (box.top() + box.originalHeight() * box.gain())));
        }
        read += n;
        return new Batch(pixels, n, truths, bounds);
    }

    private static BufferedImage image(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new InputException(file, null, "is no image the JDK reads (PNG, JPEG, BMP, GIF)");
            }
            return image;
        } catch (IOException e) {
            throw new InputException(file, null, "cannot be read as an image: " + e.getMessage(), e);
        }
    }

    /**
     * An image's boxes in input pixels, moved as Ultralytics moves them into the letterbox (scaled to the resized
     * picture, shifted by half the border); no file: no boxes (a background image).
     */
    private List<Truth> truths(Path file, Letterbox box) {
        List<Truth> truths = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        labelFiles.add(file);
        labelLines.add(lines);
        if (!Files.exists(file)) {
            return truths;
        }
        List<String> text;
        try {
            text = Files.readAllLines(file);
        } catch (IOException e) {
            throw new InputException(file, null, "cannot be read: " + e.getMessage(), e);
        }
        for (int l = 0; l < text.size(); l++) {
            String[] v = text.get(l).trim().split("\\s+");
            if (v.length == 1 && v[0].isEmpty()) {
                continue;
            }
            float[] f = numbers(file, l + 1, v);
            Box n = Box.ofCentre(f[1], f[2], f[3], f[4]);
            float w = box.width();
            float h = box.height();
            float px = (float) box.padX();
            float py = (float) box.padY();
            truths.add(new Truth(new Box(n.x1() * w + px, n.y1() * h + py, n.x2() * w + px, n.y2() * h + py),
                    (int) f[0]));
            lines.add(l + 1);
        }
        return truths;
    }

    private static float[] numbers(Path file, int line, String[] v) {
        if (v.length != 5) {
            throw new InputException(file, "line " + line, "has " + v.length + " values; a box is one line of class, "
                    + "cx, cy, w, h (normalised)");
        }
        float[] f = new float[5];
        try {
            for (int i = 0; i < 5; i++) {
                f[i] = Float.parseFloat(v[i]);
            }
        } catch (NumberFormatException e) {
            throw new InputException(file, "line " + line, "'" + String.join(" ", v) + "' is not five numbers");
        }
        if (f[0] != Math.rint(f[0]) || f[0] < 0) {
            throw new InputException(file, "line " + line, "class " + v[0] + " is no class id (0, 1, 2, ...)");
        }
        return f;
    }

    @Override
    public InputException badClass(int image, int box, int classId, int classes) {
        return new InputException(labelFiles.get(image), "line " + labelLines.get(image).get(box), "class " + classId
                + " is no class id of the model's " + classes + " (0.." + (classes - 1) + ")");
    }

    @Override
    public void close() {
        // Each image is read whole when it is needed: nothing is held open.
    }
}
