package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odf2nna.InputException;
import org.odf2nna.data.ColumnRequest.Target;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private Path writeGzip(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** Everything in the file: features row by row, targets (or null), file lines. */
    private record All(List<float[]> features, List<Double> targets, List<Long> lines) {
        float[] row(int r) {
            return features.get(r);
        }

        double[] targetArray() {
            return targets.stream().mapToDouble(Double::doubleValue).toArray();
        }

        long[] lineArray() {
            return lines.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static All readAll(CsvReader reader, int batchSize) {
        List<float[]> features = new ArrayList<>();
        List<Double> targets = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        Batch batch;
        while ((batch = reader.next(batchSize)) != null) {
            assertTrue(batch.rows() > 0 && batch.rows() <= batchSize);
            assertEquals(reader.featureCount(), batch.width());
            assertEquals(reader.hasTarget(), batch.hasTargets());
            for (int r = 0; r < batch.rows(); r++) {
                features.add(Arrays.copyOfRange(batch.features(), r * batch.width(), (r + 1) * batch.width()));
                if (batch.hasTargets()) {
                    targets.add(batch.targets()[r]);
                }
                lines.add(batch.lines()[r]);
            }
        }
        return new All(features, targets, lines);
    }

    private static All readAll(Path file, ColumnRequest request) {
        try (CsvReader reader = CsvReader.open(file, request)) {
            return readAll(reader, 1000);
        }
    }

    private static InputException fails(Path file, ColumnRequest request) {
        return assertThrows(InputException.class, () -> {
            try (CsvReader reader = CsvReader.open(file, request)) {
                readAll(reader, 1000);
            }
        });
    }

    private static void assertNames(InputException e, Path file, String... parts) {
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), "names the file: " + message);
        assertEquals(file, e.file());
        for (String part : parts) {
            assertTrue(message.contains(part), "mentions " + part + ": " + message);
        }
    }

    private static ColumnRequest required(int features) {
        return ColumnRequest.of(features, null, Target.REQUIRED);
    }

    // ---- header and column selection ----

    @Test
    void headerIsRequired() throws IOException {
        Path file = write("noheader.csv", "1,2,0\n3,4,1\n");
        InputException e = fails(file, required(2));
        assertNames(e, file, "line 1", "header");
        // One numeric name among text names is a header, not data.
        Path ok = write("numericname.csv", "x,2,y\n1,2,0\n");
        assertEquals(List.of("x", "2"), CsvReader.open(ok, required(2)).featureNames());
    }

    @Test
    void targetIsTheLastColumnWhenTheFileHasFeaturesPlusOne() throws IOException {
        Path file = write("d.csv", "a,b,y\n1,2,0\n3.5,-4,1\n");
        try (CsvReader reader = CsvReader.open(file, required(2))) {
            assertEquals(List.of("a", "b", "y"), reader.header());
            assertEquals(List.of("a", "b"), reader.featureNames());
            assertEquals("y", reader.targetName());
            assertTrue(reader.hasTarget());
            assertEquals(2, reader.featureCount());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {1, 2}, all.row(0));
            assertArrayEquals(new float[] {3.5f, -4}, all.row(1));
            assertArrayEquals(new double[] {0, 1}, all.targetArray());
            assertEquals(2, reader.rowsRead());
        }
        // Feature count unknown: still the last column.
        All unknown = readAll(file, required(-1));
        assertArrayEquals(new double[] {0, 1}, unknown.targetArray());
        assertArrayEquals(new float[] {3.5f, -4}, unknown.row(1));
    }

    @Test
    void labelByNameAnywhereInTheFile() throws IOException {
        Path file = write("l.csv", "a,target,b\n1,7,2\n3,8,4\n");
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(2, "target", Target.REQUIRED))) {
            assertEquals("target", reader.targetName());
            assertEquals(List.of("a", "b"), reader.featureNames());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {1, 2}, all.row(0));
            assertArrayEquals(new float[] {3, 4}, all.row(1));
            assertArrayEquals(new double[] {7, 8}, all.targetArray());
        }
        Path first = write("first.csv", "y,a,b\n5,1,2\n");
        All all = readAll(first, ColumnRequest.of(-1, "y", Target.OPTIONAL));
        assertArrayEquals(new float[] {1, 2}, all.row(0));
        assertArrayEquals(new double[] {5}, all.targetArray());

        InputException missing = fails(file, ColumnRequest.of(2, "label", Target.REQUIRED));
        assertNames(missing, file, "line 1", "'label'");
        InputException count = fails(file, ColumnRequest.of(3, "target", Target.REQUIRED));
        assertNames(count, file, "line 1", "2 feature columns", "3");
        Path dup = write("dup.csv", "y,a,y\n1,2,3\n");
        assertNames(fails(dup, ColumnRequest.of(-1, "y", Target.REQUIRED)), dup, "more than one column", "'y'");
    }

    @Test
    void optionalTargetAcceptsExactlyTheFeatures() throws IOException {
        Path file = write("x.csv", "a,b,c\n1,2,3\n4,5,6\n");
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(3, null, Target.OPTIONAL))) {
            assertFalse(reader.hasTarget());
            assertNull(reader.targetName());
            Batch batch = reader.next(10);
            assertNull(batch.targets());
            assertFalse(batch.hasTargets());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Arrays.copyOf(batch.features(), 6));
        }
        // With one more column the last is the target.
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(2, null, Target.OPTIONAL))) {
            assertTrue(reader.hasTarget());
            assertEquals("c", reader.targetName());
        }
        // Neither features nor features + 1.
        assertNames(fails(file, ColumnRequest.of(5, null, Target.OPTIONAL)), file, "line 1", "3 columns", "5");
    }

    @Test
    void requiredTargetRejectsAFileWithOnlyTheFeatures() throws IOException {
        Path file = write("x.csv", "a,b,c\n1,2,3\n");
        InputException e = fails(file, required(3));
        assertNames(e, file, "line 1", "3 columns", "target");
        Path one = write("one.csv", "a\n1\n");
        assertNames(fails(one, required(-1)), one, "line 1", "one column");
    }

    @Test
    void wrongColumnCountIsReported() throws IOException {
        Path file = write("w.csv", "a,b,c,d,e,t\n1,2,3,4,5,0\n");
        InputException e = fails(file, required(3));
        assertNames(e, file, "line 1", "6 columns", "3 feature columns", "(4 in all)");
        InputException absent = fails(file, ColumnRequest.of(4, null, Target.ABSENT));
        assertNames(absent, file, "line 1", "6 columns", "4 features");
    }

    @Test
    void absentTargetMakesEveryColumnAFeature() throws IOException {
        Path file = write("a.csv", "a,b,y\n1,2,3\n");
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(3, "y", Target.ABSENT))) {
            assertFalse(reader.hasTarget());
            assertEquals(List.of("a", "b", "y"), reader.featureNames());
            assertArrayEquals(new float[] {1, 2, 3}, readAll(reader, 5).row(0));
        }
        assertEquals(List.of("a", "b", "y"), CsvReader.readHeader(file));
    }

    @Test
    void featureNamesSelectColumnsByNameInTheModelsOrder() throws IOException {
        Path file = write("n.csv", "id,b,a,c,label\n100,2,1,3,0\n200,20,10,30,1\n");
        ColumnRequest request = ColumnRequest.of(-1, null, Target.REQUIRED).withFeatureNames(List.of("c", "a"));
        assertEquals(2, request.features());
        try (CsvReader reader = CsvReader.open(file, request)) {
            assertEquals(List.of("c", "a"), reader.featureNames());
            assertEquals("label", reader.targetName());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {3, 1}, all.row(0));
            assertArrayEquals(new float[] {30, 10}, all.row(1));
            assertArrayEquals(new double[] {0, 1}, all.targetArray());
        }
        ColumnRequest byLabel = ColumnRequest.of(-1, "id", Target.REQUIRED).withFeatureNames(List.of("a", "b", "c"));
        All all = readAll(file, byLabel);
        assertArrayEquals(new float[] {10, 20, 30}, all.row(1));
        assertArrayEquals(new double[] {100, 200}, all.targetArray());

        // The last column is a feature and no label is named: no target to use.
        ColumnRequest lastIsFeature = ColumnRequest.of(-1, null, Target.REQUIRED)
                .withFeatureNames(List.of("a", "label"));
        assertNames(fails(file, lastIsFeature), file, "line 1", "target");
        ColumnRequest optional = ColumnRequest.of(-1, null, Target.OPTIONAL).withFeatureNames(List.of("a", "label"));
        try (CsvReader reader = CsvReader.open(file, optional)) {
            assertFalse(reader.hasTarget());
        }
        ColumnRequest unknown = ColumnRequest.of(-1, null, Target.REQUIRED).withFeatureNames(List.of("a", "zz"));
        assertNames(fails(file, unknown), file, "line 1", "'zz'");
    }

    // ---- the target column by name: never a feature ----

    @Test
    void aTargetNamedColumnIsNeverReadAsAFeature() throws IOException {
        // The case: one feature missing, the label kept; the class ids must not become the 4th feature.
        Path file = write("iris3.csv", "sepal_width,petal_length,petal_width,label\n3.5,1.4,0.2,0\n");
        for (Target target : Target.values()) {
            if (target == Target.ABSENT) {
                continue;
            }
            InputException e = fails(file, ColumnRequest.of(4, null, target));
            assertNames(e, file, "line 1", "has 4 columns", "3 feature columns", "'label' (column 4)", "set aside",
                    "the model takes 4 feature columns");
        }
        // Case does not matter, nor where it stands.
        Path first = write("first.csv", "Target,a,b,c\n1,2,3,4\n");
        assertNames(fails(first, ColumnRequest.of(4, null, Target.OPTIONAL)), first, "3 feature columns",
                "'Target' (column 1)", "takes 4");
        // Without a target-named column a file of exactly the features is still label-free rows.
        Path unlabelled = write("x.csv", "a,b,c,d\n1,2,3,4\n");
        try (CsvReader reader = CsvReader.open(unlabelled, ColumnRequest.of(4, null, Target.OPTIONAL))) {
            assertFalse(reader.hasTarget());
            assertEquals(List.of("a", "b", "c", "d"), reader.featureNames());
        }
    }

    @Test
    void aTargetNamedColumnIsTheTargetWhereverItStands() throws IOException {
        String[] headers = {"label,a,b,c,d", "a,b,LABEL,c,d", "a,b,c,d,target"};
        String[] rows = {"2,10,20,30,40", "10,20,2,30,40", "10,20,30,40,2"};
        for (int i = 0; i < headers.length; i++) {
            Path file = write("t" + i + ".csv", headers[i] + "\n" + rows[i] + "\n");
            for (Target target : List.of(Target.REQUIRED, Target.OPTIONAL)) {
                for (int features : new int[] {4, -1}) {
                    try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(features, null, target))) {
                        assertEquals(List.of("a", "b", "c", "d"), reader.featureNames(), headers[i]);
                        All all = readAll(reader, 10);
                        assertArrayEquals(new float[] {10, 20, 30, 40}, all.row(0), headers[i]);
                        assertArrayEquals(new double[] {2}, all.targetArray(), headers[i]);
                    }
                }
            }
        }
        // More feature columns than the model takes once the target is set aside.
        Path wide = write("wide.csv", "a,label,b,c,d,e\n1,0,2,3,4,5\n");
        assertNames(fails(wide, ColumnRequest.of(4, null, Target.OPTIONAL)), wide, "has 6 columns",
                "5 feature columns", "'label' (column 2)", "takes 4 feature columns");
    }

    @Test
    void twoTargetNamedColumnsAreAnErrorNamingBoth() throws IOException {
        Path file = write("two.csv", "label,a,b,c,Label\n0,1,2,3,1\n");
        InputException e = fails(file, ColumnRequest.of(3, null, Target.OPTIONAL));
        assertNames(e, file, "line 1", "'label' (column 1)", "'Label' (column 5)", "rename or remove the others");
        Path both = write("both.csv", "a,target,b,label\n1,0,2,1\n");
        assertNames(fails(both, ColumnRequest.of(-1, null, Target.REQUIRED)), both, "'target' (column 2)",
                "'label' (column 4)");
        // --label decides between them; the other is then an ordinary column.
        try (CsvReader reader = CsvReader.open(both, ColumnRequest.of(3, "label", Target.REQUIRED))) {
            assertEquals(List.of("a", "target", "b"), reader.featureNames());
            assertEquals("label", reader.targetName());
        }
        // The same name twice for --label: both columns named.
        Path dup = write("dupy.csv", "y,a,b,y\n1,2,3,4\n");
        assertNames(fails(dup, ColumnRequest.of(2, "y", Target.OPTIONAL)), dup, "more than one column named 'y'",
                "columns 1 and 4");
    }

    @Test
    void labelOverridesTheDefaultNames() throws IOException {
        // --label species: the column named 'label' is an ordinary feature then.
        Path file = write("s.csv", "label,b,species,c\n1,2,0,3\n");
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(3, "species", Target.OPTIONAL))) {
            assertEquals(List.of("label", "b", "c"), reader.featureNames());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {1, 2, 3}, all.row(0));
            assertArrayEquals(new double[] {0}, all.targetArray());
        }
        // One feature missing with --label: the same error as with the default names.
        assertNames(fails(file, ColumnRequest.of(4, "species", Target.OPTIONAL)), file, "3 feature columns",
                "'species' (column 3)", "takes 4");
    }

    @Test
    void byNameModelsReportMissingColumnsAndIgnoreExtraOnes() throws IOException {
        Path file = write("n.csv", "id,b,a,petal_w,label\n100,2,1,3,0\n");
        ColumnRequest request = ColumnRequest.of(-1, null, Target.OPTIONAL).withFeatureNames(List.of("a", "b"));
        try (CsvReader reader = CsvReader.open(file, request)) {
            assertEquals("label", reader.targetName());
            assertEquals(List.of("id", "petal_w"), reader.ignoredColumns());
        }
        // A renamed column: named, with the columns the model does not read.
        ColumnRequest renamed = ColumnRequest.of(-1, null, Target.OPTIONAL)
                .withFeatureNames(List.of("a", "b", "petal_width"));
        assertNames(fails(file, renamed), file, "line 1", "no column named 'petal_width'", "by name",
                "columns it does not read: id, petal_w");
        // An extra column last is not taken for the target by position.
        Path extra = write("e.csv", "a,b,extra\n1,2,3\n");
        try (CsvReader reader = CsvReader.open(extra, ColumnRequest.of(-1, null, Target.OPTIONAL)
                .withFeatureNames(List.of("a", "b")))) {
            assertFalse(reader.hasTarget());
            assertEquals(List.of("extra"), reader.ignoredColumns());
        }
        assertNames(fails(extra, ColumnRequest.of(-1, null, Target.REQUIRED).withFeatureNames(List.of("a", "b"))),
                extra, "no target column", "the label setting");
        // --label may not name a column the model reads.
        assertNames(fails(file, ColumnRequest.of(-1, "a", Target.REQUIRED).withFeatureNames(List.of("a", "b"))),
                file, "'a' (column 3)", "takes it as a feature");
        // Read by position, no column is ignored.
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(4, null, Target.OPTIONAL))) {
            assertEquals(List.of(), reader.ignoredColumns());
        }
    }

    // ---- formats ----

    @Test
    void gzipIsRecognisedByItsMagicBytes() throws IOException {
        String content = "a,b,y\n1,2,0\n3,4,1\n";
        All plain = readAll(write("p.csv", content), required(2));
        for (String name : new String[] {"g.csv.gz", "g-without-suffix.csv"}) {
            Path gz = writeGzip(name, content);
            All all = readAll(gz, required(2));
            assertEquals(2, all.features().size(), name);
            for (int r = 0; r < 2; r++) {
                assertArrayEquals(plain.row(r), all.row(r));
            }
            assertArrayEquals(plain.targetArray(), all.targetArray());
            assertArrayEquals(new long[] {2, 3}, all.lineArray());
        }
        // A plain file named .gz is read as plain text.
        All misnamed = readAll(write("plain.csv.gz", content), required(2));
        assertArrayEquals(plain.targetArray(), misnamed.targetArray());
    }

    @Test
    void truncatedOrBrokenGzipIsAnInputError() throws IOException {
        StringBuilder content = new StringBuilder("a,b,y\n");
        Random random = new Random(1);
        for (int r = 0; r < 5000; r++) {
            content.append(random.nextInt(1000)).append(',').append(random.nextDouble()).append(",1\n");
        }
        Path gz = writeGzip("t.csv.gz", content.toString());
        byte[] bytes = Files.readAllBytes(gz);
        Path truncated = dir.resolve("truncated.csv.gz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertNames(fails(truncated, required(2)), truncated, "cannot read");
        Path broken = dir.resolve("broken.csv.gz");
        Files.write(broken, new byte[] {0x1f, (byte) 0x8b, 0x42, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
        assertNames(fails(broken, required(2)), broken);
    }

    @Test
    void quotedCells() throws IOException {
        Path file = write("q.csv", "\"a\",\"b,c\",\"say \"\"hi\"\"\",y\n\"1.5\",\"2\", 3 ,\"1\"\n-1,\"-2e1\",0,0\n");
        try (CsvReader reader = CsvReader.open(file, required(3))) {
            assertEquals(List.of("a", "b,c", "say \"hi\"", "y"), reader.header());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {1.5f, 2, 3}, all.row(0));
            assertArrayEquals(new float[] {-1, -20, 0}, all.row(1));
            assertArrayEquals(new double[] {1, 0}, all.targetArray());
        }
        // A quoted comma inside a cell does not split it: the row has the header's width.
        Path bad = write("qbad.csv", "a,b,y\n\"1,5\",2,0\n");
        assertNames(fails(bad, required(2)), bad, "line 2", "column 1 'a'", "'1,5'");
    }

    @Test
    void semicolonAndTabDelimiters() throws IOException {
        All semi = readAll(write("s.csv", "a;b;y\n1.5;2;0\n-3;4e-1;1\n"), required(2));
        assertArrayEquals(new float[] {1.5f, 2}, semi.row(0));
        assertArrayEquals(new float[] {-3, 0.4f}, semi.row(1));
        assertArrayEquals(new double[] {0, 1}, semi.targetArray());
        All tab = readAll(write("t.tsv", "a\tb\ty\n1\t2\t1\n"), required(2));
        assertArrayEquals(new float[] {1, 2}, tab.row(0));
        assertArrayEquals(new double[] {1}, tab.targetArray());
        // Decimal commas in a semicolon file are not numbers: a clear error, not a silent misread.
        Path comma = write("c.csv", "a;b;y\n1,5;2;0\n");
        assertNames(fails(comma, required(2)), comma, "line 2", "column 1 'a'", "'1,5'");
    }

    @Test
    void delimiterInsideAQuotedHeaderNameDoesNotDecideTheDelimiter() throws IOException {
        Path file = write("qs.csv", "\"weight (kg, adult)\";height;label\n70;1.8;1\n");
        try (CsvReader reader = CsvReader.open(file, required(2))) {
            assertEquals(List.of("weight (kg, adult)", "height", "label"), reader.header());
            All all = readAll(reader, 10);
            assertArrayEquals(new float[] {70, 1.8f}, all.row(0));
            assertArrayEquals(new double[] {1}, all.targetArray());
        }
    }

    @Test
    void crlfLineEndingsAndByteOrderMark() throws IOException {
        All crlf = readAll(write("crlf.csv", "a,b,y\r\n1,2,0\r\n3,4,1\r\n"), required(2));
        assertArrayEquals(new float[] {3, 4}, crlf.row(1));
        assertArrayEquals(new double[] {0, 1}, crlf.targetArray());
        assertArrayEquals(new long[] {2, 3}, crlf.lineArray());
        Path crlfFile = dir.resolve("crlf.csv");
        assertEquals(List.of("a", "b", "y"), CsvReader.readHeader(crlfFile));

        Path bom = write("bom.csv", "\uFEFFa,b,y\r\n1,2,0\n");
        assertEquals(List.of("a", "b", "y"), CsvReader.readHeader(bom));
        All byLabel = readAll(bom, ColumnRequest.of(2, "y", Target.REQUIRED));
        assertArrayEquals(new float[] {1, 2}, byLabel.row(0));
        // The first column can be named although the BOM precedes it.
        All labelA = readAll(bom, ColumnRequest.of(2, "a", Target.REQUIRED));
        assertArrayEquals(new double[] {1}, labelA.targetArray());
        Path bomGz = writeGzip("bom.csv.gz", "\uFEFFa,b,y\n1,2,0\n");
        assertEquals(List.of("a", "b", "y"), CsvReader.readHeader(bomGz));
    }

    @Test
    void blankLinesAreSkippedButStillCounted() throws IOException {
        Path file = write("b.csv", "a,b,y\n\n1,2,0\n   \n3,4,1\n\n\n");
        All all = readAll(file, required(2));
        assertEquals(2, all.features().size());
        assertArrayEquals(new float[] {3, 4}, all.row(1));
        assertArrayEquals(new long[] {3, 5}, all.lineArray());
        // An error after blank lines names the real line.
        Path bad = write("bb.csv", "a,b,y\n\n1,2,0\n\n1,x,0\n");
        assertNames(fails(bad, required(2)), bad, "line 5,", "column 2 'b'");
    }

    // ---- the byte-level fast path against a reference ----

    /**
     * Random files (numbers in every written form, whitespace, quoted cells, non-ASCII text in a quoted
     * cell, blank lines, \n, \r\n and \r endings, lines longer than the read buffer) read exactly like a
     * reference built on BufferedReader.readLine and Double.parseDouble, plain and gzip, in any batch size.
     */
    @Test
    void readsRandomFilesLikeAReference() throws IOException {
        Random random = new Random(99);
        for (int trial = 0; trial < 12; trial++) {
            int columns = trial % 4 == 0 ? 9000 : 1 + random.nextInt(12); // 9000 columns: lines over 64 KiB
            int rows = columns > 100 ? 12 : 200 + random.nextInt(2000);
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                text.append(c == 0 ? "" : ",").append(trial % 3 == 0 && c == 0 ? "\u00e9t\u00e9" : "c" + c);
            }
            text.append(ending(random));
            List<double[]> expected = new ArrayList<>();
            List<Long> expectedLines = new ArrayList<>();
            long line = 1;
            for (int r = 0; r < rows; r++) {
                if (random.nextInt(20) == 0) {
                    // Never empty: after a "\r" ending, an empty line's "\n" would complete a "\r\n" instead.
                    text.append(random.nextBoolean() ? " " : " \t ").append(ending(random));
                    line++;
                }
                double[] values = new double[columns];
                for (int c = 0; c < columns; c++) {
                    String cell = randomNumber(random);
                    values[c] = Double.parseDouble(cell.trim());
                    if (random.nextInt(50) == 0) {
                        cell = "\"" + cell + "\"";
                    }
                    if (random.nextInt(100) == 0) {
                        cell = "\" " + cell.trim() + "\"";
                        values[c] = Double.parseDouble(cell.replace("\"", "").trim());
                    }
                    text.append(c == 0 ? "" : ",").append(cell);
                }
                text.append(r == rows - 1 && random.nextBoolean() ? "" : ending(random));
                line++;
                expected.add(values);
                expectedLines.add(line);
            }
            String content = text.toString();
            Path plain = write("random" + trial + ".csv", content);
            Path gz = writeGzip("random" + trial + ".csv.gz", content);
            for (Path file : List.of(plain, gz)) {
                int batch = 1 + random.nextInt(300);
                All all;
                try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(columns, null, Target.ABSENT))) {
                    all = readAll(reader, batch);
                }
                assertEquals(rows, all.features().size(), file + " rows");
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        assertEquals((float) expected.get(r)[c], all.row(r)[c], file + " row " + r + " column " + c);
                    }
                    assertEquals(expectedLines.get(r), all.lines().get(r), file + " line of row " + r);
                }
            }
        }
    }

    /** A '\r' as the last byte of the first 64 KiB read, its '\n' in the next read: one line ending, not two. */
    @Test
    void crlfSplitAcrossReadsIsOneLineEnding() throws IOException {
        for (int shift = 0; shift < 5; shift++) {
            StringBuilder s = new StringBuilder("ab,cd" + "x".repeat(shift) + "\r\n");
            int rows = 20_000;
            for (int r = 0; r < rows; r++) {
                s.append(r % 10).append(',').append((r + 1) % 10).append("\r\n");
            }
            Path file = write("split" + shift + ".csv", s.toString());
            All all = readAll(file, ColumnRequest.of(2, null, Target.ABSENT));
            assertEquals(rows, all.features().size());
            assertEquals(rows + 1, all.lines().get(rows - 1), "no blank line counted between \\r and \\n");
            assertArrayEquals(new float[] {9, 0}, all.row(rows - 1));
        }
    }

    private static String ending(Random random) {
        switch (random.nextInt(4)) {
            case 0: return "\r\n";
            case 1: return "\r";
            default: return "\n";
        }
    }

    private static String randomNumber(Random random) {
        String core;
        switch (random.nextInt(6)) {
            case 0: core = Integer.toString(random.nextInt(256)); break;
            case 1: core = "0"; break;
            case 2: core = Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(12) - 6)); break;
            case 3: core = String.format(java.util.Locale.ROOT, "%.6f", random.nextDouble() * 100); break;
            case 4: core = (random.nextBoolean() ? "+" : "-") + random.nextInt(1000) + "e" + (random.nextInt(40) - 20); break;
            default: core = "." + random.nextInt(100000); break;
        }
        if (random.nextInt(30) == 0) {
            core = " " + core + "\t";
        }
        return core;
    }

    // ---- batches and progress ----

    @Test
    void batchesSplitRowsAndCarryTheRealFileLines() throws IOException {
        StringBuilder s = new StringBuilder("a,b,y\n");
        for (int r = 0; r < 10; r++) {
            s.append(r).append(',').append(r * 10).append(',').append(r % 3).append('\n');
        }
        Path file = write("batches.csv", s.toString());
        try (CsvReader reader = CsvReader.open(file, required(2))) {
            int[] expectedSizes = {3, 3, 3, 1};
            int row = 0;
            for (int size : expectedSizes) {
                Batch batch = reader.next(3);
                assertNotNull(batch);
                assertEquals(size, batch.rows());
                assertEquals(2, batch.width());
                for (int r = 0; r < size; r++) {
                    assertEquals(row, batch.features()[r * 2]);
                    assertEquals(row * 10, batch.features()[r * 2 + 1]);
                    assertEquals(row % 3, batch.targets()[r]);
                    assertEquals(row + 2, batch.lines()[r], "header is line 1, first row line 2");
                    row++;
                }
                assertEquals(row, reader.rowsRead());
            }
            assertNull(reader.next(3));
            assertNull(reader.next(3), "stays at the end");
            assertEquals(10, reader.rowsRead());
        }
        try (CsvReader reader = CsvReader.open(file, required(2))) {
            All ones = readAll(reader, 1);
            assertEquals(10, ones.features().size());
            assertArrayEquals(new long[] {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, ones.lineArray());
        }
    }

    @Test
    void errorLineMatchesTheFileLine() throws IOException {
        // Row 3 of data sits on line 4 of the file.
        Path file = write("e.csv", "a,b,y\n1,2,0\n3,4,1\n5,oops,1\n");
        assertNames(fails(file, required(2)), file, "line 4,", "column 2 'b'", "'oops'");
    }

    @Test
    void progressCountsFileBytes() throws IOException {
        StringBuilder s = new StringBuilder("a,b,c,y\n");
        Random random = new Random(5);
        for (int r = 0; r < 40_000; r++) {
            s.append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',')
                    .append(random.nextGaussian()).append(',').append(random.nextInt(2)).append('\n');
        }
        for (boolean gzip : new boolean[] {false, true}) {
            Path file = gzip ? writeGzip("big.csv.gz", s.toString()) : write("big.csv", s.toString());
            try (CsvReader reader = CsvReader.open(file, required(3))) {
                assertEquals(Files.size(file), reader.totalBytes());
                long previous = reader.bytesRead();
                assertTrue(previous > 0, "the header has been read");
                boolean sawPartial = false;
                Batch batch;
                long rows = 0;
                while ((batch = reader.next(500)) != null) {
                    rows += batch.rows();
                    long now = reader.bytesRead();
                    assertTrue(now >= previous, "monotone");
                    assertTrue(now <= reader.totalBytes(), now + " > " + reader.totalBytes());
                    sawPartial |= now < reader.totalBytes();
                    previous = now;
                }
                assertEquals(40_000, rows);
                assertTrue(sawPartial || gzip, "progress is reported before the end of a 2 MB file");
                assertEquals(reader.totalBytes(), reader.bytesRead(), "all bytes consumed at the end");
            }
        }
    }

    // ---- errors ----

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "   ", "NaN", "nan", "NA", "n/a", "?", "null", "inf", "-inf", "Infinity",
                            "-Infinity", "1e999", "-1e999", "1.5f", "0x1p3", "1,5", "1..5", "--1", "1 2"})
    void badCellsNameFileLineAndColumn(String cell) throws IOException {
        String quoted = cell.contains(",") ? "\"" + cell + "\"" : cell;
        Path file = write("bad.csv", "a,b,y\n1,2,0\n3,4,1\n5," + quoted + ",1\n");
        InputException e = fails(file, required(2));
        assertNames(e, file, "line 4,", "column 2 'b'");
        assertEquals(InputException.Kind.BAD_INPUT, e.kind());
        // The same cell in the target column.
        Path target = write("badtarget.csv", "a,b,y\n1,2,0\n3,4," + quoted + "\n");
        assertNames(fails(target, required(2)), target, "line 3,", "column 3 'y'");
    }

    @Test
    void badCellMessagesSayWhatIsWrong() throws IOException {
        assertNames(fails(write("m1.csv", "a,y\n,1\n"), required(1)), dir.resolve("m1.csv"), "empty");
        assertNames(fails(write("m2.csv", "a,y\nNA,1\n"), required(1)), dir.resolve("m2.csv"), "missing value", "'NA'");
        assertNames(fails(write("m3.csv", "a,y\n-Infinity,1\n"), required(1)), dir.resolve("m3.csv"), "infinite");
        assertNames(fails(write("m4.csv", "a,y\n1e999,1\n"), required(1)), dir.resolve("m4.csv"), "out of range");
        assertNames(fails(write("m5.csv", "a,y\nabc,1\n"), required(1)), dir.resolve("m5.csv"), "'abc' is not a number");
    }

    @Test
    void raggedRowsNameFileLineAndColumn() throws IOException {
        Path shortRow = write("short.csv", "a,b,y\n1,2,0\n1,2\n");
        assertNames(fails(shortRow, required(2)), shortRow, "line 3,", "column 3 'y'", "2 cells", "3 columns");
        Path longRow = write("long.csv", "a,b,y\n1,2,0,9\n");
        assertNames(fails(longRow, required(2)), longRow, "line 2,", "column 4", "4 cells", "3 columns");
        Path oneCell = write("one.csv", "a,b,y\n1,2,0\n\n7\n");
        assertNames(fails(oneCell, required(2)), oneCell, "line 4,", "column 2 'b'");
        Path trailingComma = write("trailing.csv", "a,b,y\n1,2,0,\n");
        assertNames(fails(trailingComma, required(2)), trailingComma, "line 2,", "column 4");
    }

    @Test
    void emptyFileAndHeaderOnly() throws IOException {
        Path empty = write("empty.csv", "");
        assertNames(fails(empty, required(2)), empty, "empty");
        Path blank = write("blank.csv", "\n\n");
        assertNames(fails(blank, required(2)), blank, "empty");
        Path emptyGz = writeGzip("empty.csv.gz", "");
        assertNames(fails(emptyGz, required(2)), emptyGz, "empty");

        Path headerOnly = write("header.csv", "a,b,y\n");
        try (CsvReader reader = CsvReader.open(headerOnly, required(2))) {
            assertNull(reader.next(10));
            assertEquals(0, reader.rowsRead());
        }
        Path headerAndBlanks = write("header2.csv", "a,b,y\n\n  \n");
        try (CsvReader reader = CsvReader.open(headerAndBlanks, required(2))) {
            assertNull(reader.next(10));
        }
    }

    @Test
    void directoryAndMissingFile() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder.csv"));
        assertNames(fails(folder, required(2)), folder, "directory");
        Path missing = dir.resolve("missing.csv");
        assertNames(fails(missing, required(2)), missing, "no such file");
        assertThrows(InputException.class, () -> CsvReader.readHeader(missing));
    }
}
