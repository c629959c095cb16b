package org.odf2nna.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.dictionary.DictionaryValuesReader;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.schema.PrimitiveType;

/**
 * One column of one number per row, in one row group, decoded a page at a time into doubles with parquet-java's own
 * value and level decoders (dictionary, plain, RLE, delta, byte-stream-split: whatever the page says), without
 * assembling records: parquet-java's {@code ColumnReader} spends most of its time per value on that machinery, and
 * reading 1,000,000 rows of 57 columns through it took longer than reading the same rows as CSV (docs/research/PERFORMANCE.md).
 * A null is kept as NaN and its place remembered, for the caller to refuse.
 */
final class ParquetColumn {

    private final ColumnDescriptor leaf;
    private final PageReader pages;
    private final Dictionary dictionary;
    private final double[] decoded;
    private final PrimitiveType.PrimitiveTypeName type;
    private final int maxDefinition;
    /** Whether the levels must be read: the column may hold nulls (its chunk's statistics do not say it holds none). */
    private final boolean mayBeNull;
    private double[] values = new double[0];
    private int size;
    private int at;
    private int firstNull = -1;
    /** Which values of the page at hand are nulls (null when there is none). */
    private boolean[] nulls;

    /**
     * @param noNulls whether the column chunk's statistics say it holds no null: its definition levels, all at their
     *                maximum, are then not decoded (two thirds of the time on a nullable column pandas wrote)
     */
    ParquetColumn(ColumnDescriptor leaf, PageReader pages, boolean noNulls) {
        this.leaf = leaf;
        this.pages = pages;
        this.type = leaf.getPrimitiveType().getPrimitiveTypeName();
        this.maxDefinition = leaf.getMaxDefinitionLevel();
        this.mayBeNull = maxDefinition > 0 && !noNulls;
        DictionaryPage page = pages.readDictionaryPage();
        try {
            this.dictionary = page == null ? null : page.getEncoding().initDictionary(leaf, page);
        } catch (IOException e) {
            throw new UncheckedIOException("its dictionary page cannot be read: " + e.getMessage(), e);
        }
        this.decoded = dictionary == null ? null : decode(dictionary);
    }

    /** A dictionary's values as doubles, indexed by id (a page then reads an id and an array per value). */
    private double[] decode(Dictionary d) {
        double[] v = new double[d.getMaxId() + 1];
        for (int id = 0; id < v.length; id++) {
            v[id] = switch (type) {
                case INT32 -> d.decodeToInt(id);
                case INT64 -> d.decodeToLong(id);
                case FLOAT -> d.decodeToFloat(id);
                case DOUBLE -> d.decodeToDouble(id);
                default -> d.decodeToBoolean(id) ? 1 : 0;
            };
        }
        return v;
    }

    /**
     * Copies the next {@code rows} values into {@code into} at {@code offset}, {@code offset + stride}, ... as floats;
     * returns -1, or the first of them that is a null, not finite, or (for features) beyond float32's range, which the
     * caller refuses (the values before it are copied, the rest not).
     */
    int copy(float[] into, int offset, int stride, int rows) {
        int k = 0;
        while (k < rows) {
            fill();
            int n = Math.min(rows - k, size - at);
            for (int i = 0; i < n; i++, k++) {
                double v = values[at];
                float f = (float) v;
                if (at == firstNull || !Float.isFinite(f)) {
                    return k;
                }
                into[offset + k * stride] = f;
                at++;
            }
        }
        return -1;
    }

    /** Whether the value at hand is a null (then {@link #next} gives NaN). */
    boolean atNull() {
        fill();
        return at == firstNull;
    }

    /** The next value (NaN for a null). */
    double next() {
        fill();
        double v = values[at];
        if (at == firstNull) {
            firstNull = nextNull(at + 1);
        }
        at++;
        return v;
    }

    private void fill() {
        while (at == size) {
            DataPage page = pages.readPage();
            if (page == null) {
                throw new IllegalStateException("the column chunk ends before its row group's rows");
            }
            int n = page.getValueCount();
            if (n < 0) {
                throw new IllegalStateException("a page claims " + n + " values");
            }
            if (values.length < n) {
                values = new double[n];
            }
            try {
                if (page instanceof DataPageV1 v1) {
                    decodeV1(v1, n);
                } else {
                    decodeV2((DataPageV2) page, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("a page cannot be decoded: " + e.getMessage(), e);
            }
            size = n;
            at = 0;
            firstNull = nextNull(0);
        }
    }

    private int nextNull(int from) {
        for (int i = from; nulls != null && i < size; i++) {
            if (nulls[i]) {
                return i;
            }
        }
        return -1;
    }

    private void decodeV1(DataPageV1 page, int n) throws IOException {
        org.apache.parquet.bytes.ByteBufferInputStream in = page.getBytes().toInputStream();
        ValuesReader levels = null;
        if (maxDefinition > 0) {
            levels = page.getDlEncoding().getValuesReader(leaf, ValuesType.DEFINITION_LEVEL);
            levels.initFromPage(n, in);
        }
        ValuesReader reader = reader(page.getValueEncoding());
        reader.initFromPage(n, in);
        decode(n, levels, null, reader);
    }

    private void decodeV2(DataPageV2 page, int n) throws IOException {
        RunLengthBitPackingHybridDecoder levels = !mayBeNull ? null : new RunLengthBitPackingHybridDecoder(
                BytesUtils.getWidthFromMaxInt(maxDefinition), page.getDefinitionLevels().toInputStream());
        ValuesReader reader = reader(page.getDataEncoding());
        reader.initFromPage(n, page.getData().toInputStream());
        decode(n, null, levels, reader);
    }

    private ValuesReader reader(Encoding encoding) {
        if (encoding.usesDictionary()) {
            if (dictionary == null) {
                throw new IllegalStateException("a page is dictionary-encoded and the column chunk has no dictionary");
            }
            return encoding.getDictionaryBasedValuesReader(leaf, ValuesType.VALUES, dictionary);
        }
        return encoding.getValuesReader(leaf, ValuesType.VALUES);
    }

    private void decode(int n, ValuesReader v1Levels, RunLengthBitPackingHybridDecoder v2Levels, ValuesReader reader)
            throws IOException {
        boolean[] isNull = null;
        double[] dictionaryValues = decoded != null && reader instanceof DictionaryValuesReader ? decoded : null;
        for (int i = 0; i < n; i++) {
            if (mayBeNull) {
                int level = v1Levels != null ? v1Levels.readInteger() : v2Levels.readInt();
                if (level < maxDefinition) {
                    isNull = isNull == null ? new boolean[n] : isNull;
                    isNull[i] = true;
                    values[i] = Double.NaN;
                    continue;
                }
            }
            values[i] = dictionaryValues != null ? dictionaryValues[reader.readValueDictionaryId()] : switch (type) {
                case INT32 -> reader.readInteger();
                case INT64 -> reader.readLong();
                case FLOAT -> reader.readFloat();
                case DOUBLE -> reader.readDouble();
                default -> reader.readBoolean() ? 1 : 0;
            };
        }
        nulls = isNull;
    }
}
