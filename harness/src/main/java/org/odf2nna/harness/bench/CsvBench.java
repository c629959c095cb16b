package org.odf2nna.harness.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.api.Rows;

/**
 * CSV ingest rate of the library's {@code CsvReader} ({@link Rows#check}: rows into primitive batches, every cell
 * parsed strictly) over files of growing size, plain and gzip, next to the rate of only decoding the same file's lines
 * (the ceiling that reading text at all sets).
 */
public final class CsvBench {

    private CsvBench() {
    }

    /** @param sizesMb sizes of the generated files, in MB (10^6 bytes) of CSV text */
    public static BenchReport.Section run(Path source, List<Double> sizesMb, int repeats, Path work) {
        CsvGenerator.Lines lines = CsvGenerator.read(source);
        List<CsvGenerator.Generated> files = new ArrayList<>();
        String stem = source.getFileName().toString().replaceAll("\\.csv(\\.gz)?$", "");
        for (double mb : sizesMb) {
            for (boolean gzip : new boolean[] {false, true}) {
                Path target = work.resolve(stem + "-" + Stats.significant(mb, 3) + "MB.csv" + (gzip ? ".gz" : ""));
                CsvGenerator.Generated g = CsvGenerator.cached(target);
                if (g == null) {
                    g = CsvGenerator.toBytes(lines, target, (long) (mb * 1e6), gzip);
                }
                files.add(g);
            }
        }
        BenchReport.Section section = new BenchReport.Section("csv",
                "CSV ingest: CsvReader (strict parsing into float batches) over files of growing size",
                "file", "rows", "CSV MB", "on disk MB", "CsvReader s: median (min–max)", "CsvReader MB/s",
                "lines only MB/s", "CsvReader / lines only");
        section.setting("source", source + " (" + lines.rows().size() + " rows, " + lines.header().split("[,;\t]").length
                + " columns), repeated into " + work);
        section.setting("method", "CsvReader.next(1024) until the end, every column read as a feature; 'lines only' is "
                + "BufferedReader.readLine over the same (decompressed) text; MB = 10^6 bytes of CSV text; " + repeats
                + " repeats, files interleaved, after one warm-up pass over each");
        for (CsvGenerator.Generated f : files) {
            readAll(f.file());
            linesOnly(f.file());
        }
        double[][] reader = new double[files.size()][repeats];
        double[][] plain = new double[files.size()][repeats];
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i).file();
                long[] rows = new long[1];
                reader[i][r] = Timer.seconds(() -> rows[0] = readAll(file));
                if (rows[0] != files.get(i).rows()) {
                    throw new IllegalStateException(file + ": read " + rows[0] + " rows, generated " + files.get(i).rows());
                }
                plain[i][r] = Timer.seconds(() -> linesOnly(file));
            }
        }
        List<Object> figures = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            CsvGenerator.Generated f = files.get(i);
            Stats.Summary t = Stats.of(reader[i]);
            double mb = f.uncompressedBytes() / 1e6;
            double rate = mb / t.median();
            double lineRate = mb / Stats.median(plain[i]);
            section.row(f.file().getFileName().toString(), Long.toString(f.rows()), Stats.significant(mb, 3),
                    Stats.significant(f.fileBytes() / 1e6, 3), t.format(3), Stats.significant(rate, 3),
                    Stats.significant(lineRate, 3), Stats.significant(rate / lineRate, 2));
            figures.add(java.util.Map.of("file", f.file().getFileName().toString(), "csvMegabytes", mb,
                    "readerMegabytesPerSecond", rate, "linesOnlyMegabytesPerSecond", lineRate, "rows", f.rows()));
        }
        section.figure("files", figures);
        return section;
    }

    /** Reads every row with CsvReader, as the tool reads data ({@link Rows#check}); returns the row count. */
    static long readAll(Path file) {
        return Rows.check(file);
    }

    static long linesOnly(Path file) {
        try (BufferedReader reader = CsvGenerator.open(file)) {
            long n = 0;
            String line;
            while ((line = reader.readLine()) != null) {
                n += line.length();
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
