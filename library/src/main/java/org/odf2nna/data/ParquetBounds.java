package org.odf2nna.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.odf2nna.InputException;

/**
 * Checks, before parquet-java reads a row group, that every column chunk and every page the file describes lies in the
 * bytes before its footer. parquet-java allocates a chunk's bytes from the footer's size, and the rest of the last
 * chunk's page from the page header's size, before reading them: a damaged file claiming gigabytes would otherwise
 * exhaust the heap (found by fuzzing, {@code ParquetRowsFuzzTest}). Only page headers are read, a few bytes each.
 */
final class ParquetBounds {

    private ParquetBounds() {
    }

    /**
     * Refuses {@code file} in one line naming the row group (and column) whose rows or bytes the file does not hold.
     */
    static void check(Path file, org.apache.parquet.hadoop.ParquetFileReader reader) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long dataEnd = footerStart(channel);
            List<BlockMetaData> groups = reader.getRowGroups();
            for (int g = 0; g < groups.size(); g++) {
                if (groups.get(g).getRowCount() < 0) {
                    throw new InputException(file, "row group " + (g + 1), "is not a readable Parquet file (its footer "
                            + "gives it " + groups.get(g).getRowCount() + " rows)");
                }
                for (ColumnChunkMetaData chunk : groups.get(g).getColumns()) {
                    String place = "row group " + (g + 1) + ", column '" + chunk.getPath().toDotString() + "'";
                    long start = chunk.getStartingPos();
                    long size = chunk.getTotalSize();
                    if (start < 0 || size < 0 || start > dataEnd || size > dataEnd - start) {
                        throw beyond(file, place, "its footer places the column chunk", dataEnd);
                    }
                    checkPages(file, place, channel, start, start + size, dataEnd);
                }
            }
        }
    }

    /** Walks the chunk's page headers: each page's bytes must end before the footer. */
    private static void checkPages(Path file, String place, SeekableByteChannel channel, long start, long end,
            long dataEnd) throws IOException {
        long pos = start;
        while (pos < end) {
            channel.position(pos);
            // Counts the bytes the page header took (the buffer below may read further; the channel is placed again).
            CountingInputStream in = new CountingInputStream(new java.io.BufferedInputStream(
                    Channels.newInputStream(channel), 512));
            PageHeader header;
            try {
                header = Util.readPageHeader(in);
            } catch (IOException | RuntimeException e) {
                throw new InputException(file, place, "cannot be read as Parquet (a page header at byte " + pos
                        + " is damaged)", e);
            }
            long pageSize = header.getCompressed_page_size();
            long next = pos + in.count + pageSize;
            if (pageSize < 0 || header.getUncompressed_page_size() < 0 || next > dataEnd) {
                throw beyond(file, place, "a page header at byte " + pos + " claims " + pageSize + " bytes, reaching",
                        dataEnd);
            }
            pos = next;
        }
    }

    private static InputException beyond(Path file, String place, String what, long dataEnd) {
        return new InputException(file, place, "is not a readable Parquet file (" + what + " beyond the " + dataEnd
                + " bytes before the footer)");
    }

    /** Where the footer begins: its length is the little-endian int before the closing magic "PAR1". */
    private static long footerStart(SeekableByteChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        channel.position(size - 8);
        while (tail.hasRemaining() && channel.read(tail) >= 0) {
            // the 8 bytes parquet-java has already found there
        }
        return size - 8 - Integer.toUnsignedLong(tail.getInt(0));
    }
}
