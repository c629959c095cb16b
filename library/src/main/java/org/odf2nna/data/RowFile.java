package org.odf2nna.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Rows of float32 values on disk, row after row, little-endian, in a file of the run's temporary folder
 * ({@code java.io.tmpdir}, which the launcher deletes with all it holds however the run ends): where training keeps
 * rows that are too many to hold in memory (issue 57). Rows are appended first, then read back as often as asked, a
 * block at a time; {@link #close} deletes the file. Reads may run on several threads at once.
 */
public final class RowFile implements AutoCloseable {

    /** Bytes buffered before a write. */
    private static final int WRITE_BUFFER = 1 << 20;

    private final Path path;
    private final int width;
    private final FileChannel channel;
    private final ByteBuffer pending;
    private long rows;

    private RowFile(Path path, int width) throws IOException {
        this.path = path;
        this.width = width;
        this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.pending = ByteBuffer.allocate(Math.max(WRITE_BUFFER - WRITE_BUFFER % (4 * width), 4 * width))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A new, empty file of rows of {@code width} values in the temporary folder. */
    public static RowFile create(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("rows need at least one value, got width " + width);
        }
        try {
            Path file = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "odf2nna-rows-", ".f32");
            file.toFile().deleteOnExit();
            return new RowFile(file, width);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a file of training rows in the temporary folder "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
    }

    /** Values per row. */
    public int width() {
        return width;
    }

    /** Rows appended so far. */
    public long rows() {
        return rows;
    }

    /** Where the rows are (in the temporary folder). */
    public Path path() {
        return path;
    }

    /** Appends {@code n} rows from {@code values}, starting at its row {@code from}. */
    public synchronized void append(float[] values, int from, int n) {
        for (int r = 0; r < n; r++) {
            if (pending.remaining() < 4 * width) {
                flush();
            }
            int at = (from + r) * width;
            for (int c = 0; c < width; c++) {
                pending.putFloat(values[at + c]);
            }
        }
        rows += n;
    }

    /** Writes what is buffered; rows appended so far can then be read. */
    public synchronized void flush() {
        pending.flip();
        try {
            while (pending.hasRemaining()) {
                channel.write(pending, channel.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training rows to " + path + ": " + e.getMessage(), e);
        }
        pending.clear();
    }

    /**
     * Reads rows {@code first .. first+n-1} into {@code into} (row-major, from its start).
     *
     * @throws IllegalArgumentException when the rows are not all there
     */
    public void read(long first, int n, float[] into) {
        if (first < 0 || first + n > rows) {
            throw new IllegalArgumentException("rows " + first + " to " + (first + n) + " of " + rows);
        }
        ByteBuffer bytes = ByteBuffer.allocate(n * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        long at = first * width * 4L;
        try {
            while (bytes.hasRemaining()) {
                int read = channel.read(bytes, at + bytes.position());
                if (read < 0) {
                    throw new IOException("the file ends early (flush before reading)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training rows from " + path + ": " + e.getMessage(), e);
        }
        bytes.flip();
        bytes.asFloatBuffer().get(into, 0, n * width);
    }

    /** Closes and deletes the file. */
    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The run's temporary folder goes at its end all the same.
        }
    }
}
