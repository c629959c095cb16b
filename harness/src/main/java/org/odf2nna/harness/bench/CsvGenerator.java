package org.odf2nna.harness.bench;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Larger CSV files for the benchmarks, made by repeating a real file's data rows after its header, plain
 * or gzip. A generated file is written beside a sidecar of its figures and reused when both are there.
 */
public final class CsvGenerator {

    private CsvGenerator() {
    }

    /**
     * A generated file.
     *
     * @param file              the CSV
     * @param rows              data rows (the header not counted)
     * @param uncompressedBytes bytes of CSV text, header included
     * @param fileBytes         bytes on disk (smaller for gzip)
     */
    public record Generated(Path file, long rows, long uncompressedBytes, long fileBytes) {
    }

    /** The header line and the non-blank data lines of a CSV (plain or gzip). */
    public record Lines(String header, List<String> rows) {
    }

    public static Lines read(Path source) {
        try (BufferedReader reader = open(source)) {
            String header = reader.readLine();
            if (header == null) {
                throw new IllegalArgumentException(source + " is empty");
            }
            List<String> rows = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(line);
                }
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(source + " has no data rows");
            }
            return new Lines(header, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes at least {@code minBytes} of CSV text: the header, then the rows repeated in order. */
    public static Generated toBytes(Lines source, Path target, long minBytes, boolean gzip) {
        return write(source, target, Long.MAX_VALUE, minBytes, gzip);
    }

    /** Writes exactly {@code rows} data rows: the header, then the rows repeated in order. */
    public static Generated toRows(Lines source, Path target, long rows, boolean gzip) {
        return write(source, target, rows, Long.MAX_VALUE, gzip);
    }

    /** The figures of a file generated earlier, or null when it is not there (or incomplete). */
    public static Generated cached(Path target) {
        Path meta = sidecar(target);
        if (!Files.isRegularFile(target) || !Files.isRegularFile(meta)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
            long size = Long.parseLong(p.getProperty("fileBytes"));
            if (size != Files.size(target)) {
                return null;
            }
            return new Generated(target, Long.parseLong(p.getProperty("rows")),
                    Long.parseLong(p.getProperty("uncompressedBytes")), size);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Generated write(Lines source, Path target, long maxRows, long minBytes, boolean gzip) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path temp = target.resolveSibling(target.getFileName() + ".tmp");
            long rows = 0;
            long bytes;
            try (OutputStream file = Files.newOutputStream(temp);
                 OutputStream out = gzip ? new GZIPOutputStream(file, 1 << 16) : new java.io.BufferedOutputStream(
                         file, 1 << 16);
                 CountingWriter writer = new CountingWriter(out)) {
                writer.write(source.header());
                writer.write("\n");
                int k = 0;
                while (rows < maxRows && writer.count < minBytes) {
                    writer.write(source.rows().get(k));
                    writer.write("\n");
                    rows++;
                    k = (k + 1) % source.rows().size();
                }
                writer.flush();
                bytes = writer.count;
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            Generated g = new Generated(target, rows, bytes, Files.size(target));
            Properties p = new Properties();
            p.setProperty("rows", Long.toString(g.rows()));
            p.setProperty("uncompressedBytes", Long.toString(g.uncompressedBytes()));
            p.setProperty("fileBytes", Long.toString(g.fileBytes()));
            try (OutputStream out = Files.newOutputStream(sidecar(target))) {
                p.store(out, "generated by odf2nna-onnx bench");
            }
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path sidecar(Path target) {
        return target.resolveSibling(target.getFileName() + ".properties");
    }

    static BufferedReader open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** UTF-8 text out, counting the bytes written (before compression). */
    private static final class CountingWriter extends Writer {
        private final OutputStream out;
        long count;

        CountingWriter(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            out.write(b);
            count += b.length;
        }

        @Override
        public void write(char[] buffer, int offset, int length) throws IOException {
            write(new String(buffer, offset, length));
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
