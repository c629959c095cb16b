package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.testing.Skips;

/**
 * The release archive as someone without the source meets it: cli/target/odf2nna-onnx-VERSION.tar.gz unpacked into a
 * folder outside the checkout and made read-only, run from another folder outside it, with a PATH that holds Java
 * and the few tools the launcher uses but no Maven, and an environment that holds nothing else but HOME (and, once,
 * XDG_CACHE_HOME), both inside the test's folder. It runs --version and README's iris example (on copies of the
 * model and CSV), and a one-epoch retraining that loads TensorFlow; native libraries and temporary files must land
 * in the per-user cache, and nothing may be written beside the archive's files.
 */
class ArchiveIT {

    private static final String VERSION = System.getProperty("odf2nna.version", "(run through Maven)");
    private static final Path ARCHIVE = Path.of(System.getProperty("odf2nna.archive",
            "cli/target/odf2nna-onnx-" + VERSION + ".tar.gz")).toAbsolutePath();
    private static final Path CHECKOUT = Path.of("").toAbsolutePath();
    /**
     * What the launcher runs, besides java: bash (through /usr/bin/env), stat and du for the sizes its default heap is
     * fitted to, rm for a run's temporary folder, and perl for its standard error filter.
     */
    private static final List<String> TOOLS = List.of("bash", "readlink", "dirname", "mkdir", "stat", "du", "rm", "perl");

    private static Path root;
    private static Path unpacked;
    private static Path path;
    private static Path home;
    private static Path work;
    private static Map<String, Long> files;

    @BeforeAll
    static void unpack() throws Exception {
        assertTrue(Files.isRegularFile(ARCHIVE), ARCHIVE + " is built by ./mvnw package");
        // The system's temporary folder, not java.io.tmpdir (the build points that into target/).
        root = Files.createTempDirectory(Path.of("/tmp"), "odf2nna-archive-it-").toRealPath();
        assertFalse(root.startsWith(CHECKOUT.toRealPath()), root + " is outside the checkout");
        Path into = Files.createDirectory(root.resolve("unpacked"));
        Shared.Result tar = Shared.run(into, List.of("tar", "-xzf", ARCHIVE.toString()));
        assertEquals(0, tar.exitCode(), tar.toString());
        unpacked = into.resolve("odf2nna-onnx-" + VERSION);
        assertTrue(Files.isExecutable(unpacked.resolve("bin/odf2nna-onnx")), "bin/odf2nna-onnx in " + unpacked);

        path = Files.createDirectory(root.resolve("path"));
        Files.createSymbolicLink(path.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        for (String tool : TOOLS) {
            Path found = onPath(tool);
            if (found != null) {
                Files.createSymbolicLink(path.resolve(tool), found);
            } else {
                assertEquals("perl", tool, tool + " is needed by the launcher");
            }
        }
        home = Files.createDirectory(root.resolve("home"));
        work = Files.createDirectories(root.resolve("work"));
        Files.createDirectories(work.resolve("models"));
        Files.createDirectories(work.resolve("examples/iris"));
        Files.copy(Path.of("models/iris_4-16-16-3_relu.onnx"), work.resolve("models/iris_4-16-16-3_relu.onnx"));
        Files.copy(Path.of("examples/iris/iris-test.csv"), work.resolve("examples/iris/iris-test.csv"));
        Files.copy(Path.of("examples/iris/iris-train.csv"), work.resolve("examples/iris/iris-train.csv"));

        files = listing(unpacked);
        setWritable(unpacked, false);
    }

    @AfterAll
    static void removeAll() throws IOException {
        if (root == null) {
            return;
        }
        try {
            if (unpacked != null) {
                // The folder holds what the archive holds and nothing more (checked here so every test's runs count).
                assertEquals(files, listing(unpacked), "nothing written beside the archive's files");
            }
        } finally {
            if (unpacked != null) {
                setWritable(unpacked, true);
            }
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void holdsTheLauncherTheJarsTheReadmeAndTheLicences() throws IOException {
        for (String name : List.of("bin/odf2nna-onnx", "README.md", "LICENSE", "THIRD-PARTY.txt",
                "lib/odf2nna-onnx-" + VERSION + ".jar", "lib/odf2nna-onnx-cli-" + VERSION + ".jar",
                "lib/odf2nna-onnx-harness-" + VERSION + ".jar", "lib/onnxruntime-1.29.0.jar",
                "lib/tensorflow-core-native-1.1.0-linux-x86_64.jar", "licences/onnxruntime-1.29.0/ThirdPartyNotices.txt")) {
            assertTrue(Files.isRegularFile(unpacked.resolve(name)), name);
        }
        String thirdParty = Files.readString(unpacked.resolve("THIRD-PARTY.txt"));
        for (String library : List.of("org.tensorflow:tensorflow-core-api", "com.microsoft.onnxruntime:onnxruntime",
                "com.google.protobuf:protobuf-java", "info.picocli:picocli", "org.ejml:ejml-ddense",
                "org.knowm.xchart:xchart", "com.google.code.gson:gson")) {
            assertTrue(thirdParty.contains("(" + library + ":"), library + " in THIRD-PARTY.txt:\n" + thirdParty);
        }
        try (Stream<Path> jars = Files.list(unpacked.resolve("lib"))) {
            for (Path jar : jars.toList()) {
                String name = jar.getFileName().toString();
                // The version may carry a build number after a dash (zstd-jni-1.5.7-15.jar).
                String artifact = name.replaceFirst("-\\d[^-]*(-\\d+)?(-linux-x86_64)?\\.jar$", "");
                assertTrue(name.startsWith("odf2nna-onnx-") || thirdParty.contains(":" + artifact + ":"),
                        name + " is listed in THIRD-PARTY.txt");
            }
        }
    }

    @Test
    void holdsAManPageForEveryCommandThatManRenders() throws Exception {
        List<String> pages = new ArrayList<>();
        for (String command : List.of("", "-shrink", "-sweep", "-run", "-build", "-evolve", "-convert", "-inspect",
                "-eval", "-reproduce", "-bench", "-completion")) {
            Path page = unpacked.resolve("man/man1/odf2nna-onnx" + command + ".1");
            assertTrue(Files.isRegularFile(page), page.toString());
            String troff = Files.readString(page);
            String title = ("ODF2NNA-ONNX" + command.toUpperCase(Locale.ROOT)).replace("-", "\\-");
            assertTrue(troff.contains(".TH \"" + title + "\" \"1\""),
                    page + " is a man page (troff)");
            pages.add(page.toString());
        }
        assertTrue(Files.isRegularFile(unpacked.resolve("docs/README.md")), "the manual README links to");
        Path man = Path.of("/usr/bin/man");
        Skips.requireTool(Files.isExecutable(man), "/usr/bin/man, which renders the pages", "apt-get install man-db");
        for (String page : pages) {
            ProcessBuilder pb = new ProcessBuilder(man.toString(), "-l", page);
            pb.environment().put("MANPAGER", "cat");
            pb.environment().put("MANWIDTH", "100");
            Path err = Files.createTempFile(root, "man", ".err");
            Process p = pb.redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "man -l " + page);
            assertEquals(0, p.exitValue(), "man -l " + page + ": " + Files.readString(err));
            assertEquals("", Files.readString(err), "man -l " + page + " warns");
            assertTrue(out.contains("NAME") && out.contains("SYNOPSIS") && out.contains("odf2nna-onnx"),
                    "man -l " + page + ":\n" + out);
            if (page.endsWith("-shrink.1")) {
                assertTrue(out.contains("EXAMPLES") && out.contains("--epsilon"), "the examples of --help:\n" + out);
            }
        }
    }

    @Test
    void installPageStatesTheArchivesSizeAndItsJars() throws IOException {
        String readme = Files.readString(Path.of("docs/install.md"));
        Matcher size = Pattern.compile("The archive is about (\\d+) MiB").matcher(readme);
        assertTrue(size.find(), "docs/install.md states the archive's size");
        double mib = Files.size(ARCHIVE) / (1024.0 * 1024.0);
        assertEquals(Double.parseDouble(size.group(1)), mib, 0.05 * mib, "docs/install.md's size, within 5%");
        // The three jars of this build (library, command line, harness), then the count of the others.
        String v = Pattern.quote(VERSION);
        Matcher jars = Pattern.compile("`odf2nna-onnx-" + v + "\\.jar` \\([^)]*\\),\\s+`odf2nna-onnx-cli-" + v
                + "\\.jar` \\([^)]*\\)\\s+and\\s+`odf2nna-onnx-harness-" + v + "\\.jar` \\([^)]*\\),\\s+and\\s+the\\s+(\\d+)\\s+jars")
                .matcher(readme);
        assertTrue(jars.find(), "docs/install.md counts the jars of lib/");
        try (Stream<Path> lib = Files.list(unpacked.resolve("lib"))) {
            assertEquals(3 + Integer.parseInt(jars.group(1)), lib.count(), "jars in lib/");
        }
    }

    @Test
    void versionIsThePoms() throws Exception {
        Shared.Result r = launch(Map.of(), "--version");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("odf2nna-onnx " + VERSION + "\nONNX Runtime 1.29.0\nJava "), r.toString());
        assertTrue(Files.isDirectory(home.resolve(".cache/odf2nna-onnx/" + VERSION + "/tmp")), "the cache under HOME");
    }

    @Test
    void runsReadmesIrisExampleWithItsFilesInTheUsersCache() throws Exception {
        Matcher first = Pattern.compile("\\./mvnw -q -B package -DskipTests && bin/odf2nna-onnx (shrink [^\\n]+)")
                .matcher(Files.readString(Path.of("README.md")));
        assertTrue(first.find(), "README's first command");
        Shared.Result r = launch(Map.of(), first.group(1).split(" "));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("", r.err(), "nothing on standard error (the launcher's filter is in place)");
        for (String line : List.of("Model  models/iris_4-16-16-3_relu.onnx  (4-16-16-3, 403 parameters)",
                "Data   examples/iris/iris-test.csv  (30 rows, classification)",
                "0.05  403 → 170   57.8%      4-7-12-3", "0.2   403 → 143   64.5%      4-6-11-3",
                "0.5   403 → 111   72.5%      4-4-11-3")) {
            assertTrue(r.out().contains(line), line + "\n" + r);
        }
        for (String eps : List.of("0.05", "0.2", "0.5")) {
            Path written = work.resolve("iris_4-16-16-3_relu.small.eps" + eps + ".onnx");
            assertTrue(r.out().contains("wrote " + written.getFileName() + " (ε=" + eps + ", "), r.toString());
            ModelProto model = ModelProto.parseFrom(Files.readAllBytes(written));
            assertEquals("odf2nna-onnx", model.getProducerName(), written.toString());
            assertEquals(VERSION, model.getProducerVersion(), written.toString());
        }
        // ONNX Runtime's native library was unpacked once into the cache, where later runs load it from, and the
        // first command's classes were archived there for class-data sharing (docs/research/PERFORMANCE.md, "Start-up").
        Path cache = home.resolve(".cache/odf2nna-onnx/" + VERSION);
        assertTrue(Files.isRegularFile(cache.resolve("native/onnxruntime-1.29.0/libonnxruntime.so")), "ORT's library");
        assertTrue(Files.size(cache.resolve("odf2nna-classes.jsa")) > 0, "the class archive");
        try (Stream<Path> tmp = Files.list(cache)) {
            assertEquals(List.of(), tmp.filter(p -> p.toString().endsWith(".tmp")).toList(), "no partial archive");
        }
    }

    @Test
    void tensorFlowUnpacksIntoXdgCacheHome() throws Exception {
        Path xdg = root.resolve("xdg");
        Path out = work.resolve("retrained.onnx");
        Shared.Result r = launch(Map.of("XDG_CACHE_HOME", xdg.toString()), "-q", "shrink",
                "models/iris_4-16-16-3_relu.onnx", "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-train.csv", "--retrain-epochs", "1", "--epsilon", "0.5", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.isRegularFile(out), r.toString());
        Path natives = xdg.resolve("odf2nna-onnx/" + VERSION + "/javacpp");
        try (Stream<Path> all = Files.walk(natives)) {
            assertTrue(all.anyMatch(p -> p.getFileName().toString().equals("libtensorflow_cc.so.2")),
                    "TensorFlow's native library under " + natives);
        }
        Path homeNatives = home.resolve(".cache/odf2nna-onnx/" + VERSION + "/javacpp");
        if (Files.isDirectory(homeNatives)) {
            try (Stream<Path> none = Files.list(homeNatives)) {
                assertEquals(List.of(), none.toList(), "XDG_CACHE_HOME, not HOME, holds the cache when it is set");
            }
        }
    }

    @Test
    void anUnusableCacheIsOneLine() throws Exception {
        Path file = Files.writeString(root.resolve("not-a-folder"), "");
        Shared.Result r = launch(Map.of("XDG_CACHE_HOME", file.toString()), "--version");
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals("odf2nna-onnx: error: cannot create the cache folder " + file + "/odf2nna-onnx/" + VERSION
                + "; set XDG_CACHE_HOME to a folder you can write\n", r.err());
    }

    private static Shared.Result launch(Map<String, String> extra, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(unpacked.resolve("bin/odf2nna-onnx").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", path.toString());
        env.put("HOME", home.toString());
        env.putAll(extra);
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        errReader.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        errReader.join();
        return new Shared.Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    private static Path onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        return null;
    }

    /** Every file and folder under {@code dir} with its size (folders 0). */
    private static Map<String, Long> listing(Path dir) throws IOException {
        Map<String, Long> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                all.put(dir.relativize(p).toString(), Files.isDirectory(p) ? 0L : Files.size(p));
            }
        }
        return all;
    }

    private static void setWritable(Path dir, boolean writable) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
                for (PosixFilePermission w : List.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.OTHERS_WRITE)) {
                    if (writable && w == PosixFilePermission.OWNER_WRITE) {
                        permissions.add(w);
                    } else {
                        permissions.remove(w);
                    }
                }
                Files.setPosixFilePermissions(p, permissions);
            }
        }
    }
}
