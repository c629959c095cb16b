package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.data.RowReader;

/**
 * The rows of a data file for a graph, a block at a time: what {@link GraphRows#read(Path, int, GraphFeed, String,
 * int)} reads at once (the data input's values, whole numbers checked where it takes token ids, a detector's uint8
 * images /255, and each other input fed from files in step), with each block's targets as the file holds them and
 * their lines, so that {@code eval} holds one block of rows at a time and names a bad target's line and column.
 */
public final class GraphRowStream implements AutoCloseable {

    private final Path file;
    private final GraphFeed feed;
    private final RowReader data;
    private final boolean unitScaled;
    private final List<GraphFeed.Side> sides = new ArrayList<>();
    private final List<RowReader> sideReaders = new ArrayList<>();
    private final List<Path> sideFiles = new ArrayList<>();

    /**
     * One block: the rows as the feed runs them, their targets (null where the file has none) and each row's line
     * (a CSV file's) or number (any other file's).
     */
    public record Block(GraphRows rows, double[] targets, long[] lines) {
    }

    /**
     * Opens data file number {@code fileIndex} of the run for {@code feed}, its columns read as {@code columns} asks
     * (by name where the model records them), and the files of the other inputs fed from files.
     */
    public GraphRowStream(Path file, int fileIndex, GraphFeed feed, ColumnRequest columns) {
        this.file = file;
        this.feed = feed;
        this.data = RowReader.open(file, feed.dataArray(), columns);
        NumpyRows.ArrayInfo x = feed.detectorImages() ? NumpyRows.arrayInfo(file, feed.dataArray()) : null;
        this.unitScaled = x != null && x.type().equals("uint8");
        try {
            for (GraphFeed.Side s : feed.sides()) {
                if (s.constant() != null) {
                    continue;
                }
                Path source = s.files().isEmpty() ? file : s.files().get(Math.min(fileIndex, s.files().size() - 1));
                sideReaders.add(RowReader.open(source, s.name(),
                        ColumnRequest.of(s.valuesPerRow(), null, ColumnRequest.Target.ABSENT)));
                sides.add(s);
                sideFiles.add(source);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The data file's reader: its header, columns and progress. */
    public RowReader reader() {
        return data;
    }

    /** The next block of up to {@code maxRows} rows, or null at the end. */
    public Block next(int maxRows) {
        Batch batch = data.next(maxRows);
        if (batch == null) {
            return null;
        }
        float[] features = batch.features().length == batch.rows() * batch.width() ? batch.features()
                : java.util.Arrays.copyOf(batch.features(), batch.rows() * batch.width());
        if (feed.integerRows()) {
            GraphRows.wholeNumbers(file, batch);
        }
        if (unitScaled) {
            features = features == batch.features() ? features.clone() : features;
            for (int i = 0; i < features.length; i++) {
                features[i] = features[i] / 255f;
            }
        }
        Map<String, float[]> sideRows = new HashMap<>();
        for (int s = 0; s < sides.size(); s++) {
            sideRows.put(sides.get(s).name(), sideBlock(s, batch.rows()));
        }
        return new Block(new GraphRows(features, batch.width(), null, sideRows), batch.targets(), batch.lines());
    }

    /** The next {@code rows} rows of other input number {@code s}; refused where its file runs out first. */
    private float[] sideBlock(int s, int rows) {
        GraphFeed.Side side = sides.get(s);
        int per = side.valuesPerRow();
        float[] values = new float[rows * per];
        int count = 0;
        Batch batch;
        while (count < rows && (batch = sideReaders.get(s).next(rows - count)) != null) {
            System.arraycopy(batch.features(), 0, values, count * per, batch.rows() * per);
            count += batch.rows();
        }
        if (count < rows) {
            long held = sideReaders.get(s).rowsRead();
            // The message gives the data file's rows, as reading them all at once did.
            while (data.next(4096) != null) {
                // counting
            }
            throw new InputException(sideFiles.get(s), null, "holds " + held + " rows for input '" + side.name()
                    + "', and " + file + " " + data.rowsRead() + "; an input's rows go in step with "
                    + "the data rows");
        }
        return values;
    }

    @Override
    public void close() {
        for (RowReader r : sideReaders) {
            r.close();
        }
        data.close();
    }
}
