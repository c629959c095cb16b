package org.odf2nna.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts bytes taken from a file, before decompression, for progress reporting ({@link CsvReader#bytesRead}), or
 * from a stream, for the length of what was parsed from it ({@link ParquetBounds}' page headers). Its own room because
 * it is a stream of its own, where {@link CsvReader} parses what it hands over.
 */
final class CountingInputStream extends FilterInputStream {

    long count;

    CountingInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        count += skipped;
        return skipped;
    }
}
