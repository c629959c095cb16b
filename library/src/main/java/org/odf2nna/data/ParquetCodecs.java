package org.odf2nna.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The decompressors a Parquet file's pages go through: parquet-java's own for Zstandard and LZ4 (no Hadoop needed),
 * snappy-java's array call for Snappy, and Java's {@code java.util.zip} for gzip, which parquet-java reads only through Hadoop's codec classes
 * (not bundled). Brotli and LZO, which would need native Hadoop codecs, are refused by {@link ParquetRows} before a
 * page is read.
 */
final class ParquetCodecs implements CompressionCodecFactory {

    /** The codecs whose pages are decompressed. */
    static final Set<CompressionCodecName> READ = Set.of(CompressionCodecName.UNCOMPRESSED,
            CompressionCodecName.SNAPPY, CompressionCodecName.GZIP, CompressionCodecName.ZSTD,
            CompressionCodecName.LZ4_RAW);

    private final CompressionCodecFactory library;

    ParquetCodecs(CompressionCodecFactory library) {
        this.library = library;
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("Parquet files are only read");
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return codec == CompressionCodecName.GZIP ? new Gzip() : codec == CompressionCodecName.SNAPPY ? new Snappy()
                : library.getDecompressor(codec);
    }

    @Override
    public void release() {
        library.release();
    }

    /**
     * Snappy pages straight through snappy-java's array call: parquet-java's own path goes through Hadoop-style
     * streams and copies each page twice.
     */
    private static final class Snappy implements BytesInputDecompressor {

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            byte[] in = bytes.toByteArray();
            if (uncompressedSize < 0 || org.xerial.snappy.Snappy.uncompressedLength(in) != uncompressedSize) {
                throw new IOException("a snappy page does not hold the " + uncompressedSize + " bytes its header says");
            }
            byte[] out = new byte[uncompressedSize];
            org.xerial.snappy.Snappy.uncompress(in, 0, in.length, out, 0);
            return BytesInput.from(out);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(decompress(BytesInput.from(in), uncompressedSize).toByteArray());
        }

        @Override
        public void release() {
            // Nothing held.
        }
    }

    /** Gzip members, as parquet-cpp (pyarrow) and parquet-java write a GZIP page. */
    private static final class Gzip implements BytesInputDecompressor {

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(inflate(bytes.toByteArray(), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(inflate(in, uncompressedSize));
        }

        private static byte[] inflate(byte[] compressed, int size) throws IOException {
            if (size < 0) {
                throw new IOException("a page claims " + size + " bytes");
            }
            byte[] out = new byte[size];
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
                int n = in.readNBytes(out, 0, size);
                if (n != size) {
                    throw new IOException("a gzip page holds " + n + " bytes, and its header says " + size);
                }
            }
            return out;
        }

        @Override
        public void release() {
            // Nothing held.
        }
    }
}
