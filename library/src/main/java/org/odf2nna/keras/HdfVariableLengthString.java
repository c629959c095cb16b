package org.odf2nna.keras;

import io.jhdf.checksum.JenkinsLookup3HashLittle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns one string attribute of a file jhdf wrote into a variable-length string, as h5py writes Keras'
 * {@code model_config}: its bytes in a global heap collection appended to the file, the attribute holding only their
 * length and heap ID. jhdf 0.10 writes fixed-length strings only, inside the attribute's message, and reads back at
 * most 59,546 bytes of one: a MobileNetV2's config is 130 kB.
 *
 * <p>jhdf writes the attribute first as {@link #PLACEHOLDER}, whose message is exactly as long as the variable-length
 * form's (a 20-byte datatype and 16 bytes of data against an 8-byte datatype and 28 bytes), so only that message's
 * bytes, its object header's checksum, the superblock's end-of-file address and its checksum change. Each checksum is
 * checked before it is rewritten, so a layout other than the one expected (HDF5 format specification 3.0: superblock
 * version 2, object header version 2, attribute message version 3) stops here instead of writing a damaged file.
 */
final class HdfVariableLengthString {

    /** What jhdf writes first: 27 characters and the terminating null, a 28-byte fixed-length string. */
    static final String PLACEHOLDER = "odf2nna variable-length str";

    private static final byte[] OHDR = "OHDR".getBytes(StandardCharsets.US_ASCII);
    private static final int SUPERBLOCK_EOF = 28;
    private static final int SUPERBLOCK_CHECKSUM = 44;
    private static final int HEAP_HEADER = 16;
    private static final int OBJECT_HEADER = 16;
    private static final int MIN_COLLECTION = 4096;

    private HdfVariableLengthString() {
    }

    /** {@code file} with the attribute {@code name}, written as {@link #PLACEHOLDER}, holding {@code value}. */
    static byte[] replace(byte[] file, String name, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < 48 || file[8] != 2 && file[8] != 3 || file[9] != 8 || file[10] != 8) {
            throw unexpected("a superblock of version 2 or 3 with 8-byte addresses and lengths");
        }
        checkChecksum(file, 0, SUPERBLOCK_CHECKSUM, "the superblock");
        int nameAt = indexOf(file, (name + "\0" + "\u0013").getBytes(StandardCharsets.UTF_8), 0);
        int message = nameAt - 9;
        int nameSize = name.length() + 1;
        if (nameAt < 9 || file[message] != 3 || in.getShort(message + 2) != nameSize || in.getShort(message + 4) != 8) {
            throw unexpected("attribute '" + name + "' as a version-3 message with an 8-byte string datatype");
        }
        int dataspaceSize = in.getShort(message + 6);
        int datatype = nameAt + nameSize;
        if (in.getInt(datatype + 4) != PLACEHOLDER.length() + 1) {
            throw unexpected("attribute '" + name + "' written as the placeholder");
        }
        int chunk = lastIndexOf(file, OHDR, message);
        int checksumAt = chunkEnd(in, chunk);
        if (chunk < 0 || message >= checksumAt) {
            throw unexpected("attribute '" + name + "' in the first chunk of a version-2 object header");
        }
        checkChecksum(file, chunk, checksumAt, "the object header");
        long heap = file.length;
        byte[] out = Arrays.copyOf(file, file.length + collectionSize(text.length));
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        byte[] dataspace = Arrays.copyOfRange(file, datatype + 8, datatype + 8 + dataspaceSize);
        b.putShort(message + 4, (short) 20);
        b.position(datatype);
        // Variable-length (class 9, version 1) string (type 1), null-terminated, UTF-8; 16 bytes of data; its base
        // type a 1-byte unsigned fixed point, as libhdf5 writes it.
        b.put(new byte[] {0x19, 0x01, 0x01, 0x00}).putInt(16);
        b.put(new byte[] {0x10, 0x00, 0x00, 0x00}).putInt(1).putShort((short) 0).putShort((short) 8);
        b.put(dataspace);
        b.putInt(text.length).putLong(heap).putInt(1);
        b.putInt(checksumAt, JenkinsLookup3HashLittle.hash(Arrays.copyOfRange(out, chunk, checksumAt)));
        writeCollection(b, (int) heap, text);
        b.putLong(SUPERBLOCK_EOF, out.length);
        b.putInt(SUPERBLOCK_CHECKSUM, JenkinsLookup3HashLittle.hash(Arrays.copyOfRange(out, 0, SUPERBLOCK_CHECKSUM)));
        return out;
    }

    private static int padded(int n) {
        return (n + 7) & ~7;
    }

    private static int collectionSize(int length) {
        return Math.max(MIN_COLLECTION, HEAP_HEADER + OBJECT_HEADER + padded(length) + OBJECT_HEADER);
    }

    /** A global heap collection (version 1) holding {@code text} as object 1, the rest free space (object 0). */
    private static void writeCollection(ByteBuffer b, int at, byte[] text) {
        int size = collectionSize(text.length);
        b.position(at);
        b.put("GCOL".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put(new byte[3]).putLong(size);
        b.putShort((short) 1).putShort((short) 1).putInt(0).putLong(text.length).put(text);
        int free = HEAP_HEADER + OBJECT_HEADER + padded(text.length);
        b.position(at + free);
        // Object 0 is the free space; its size counts its own header (libhdf5's H5HG reading).
        b.putShort((short) 0).putShort((short) 0).putInt(0).putLong(size - free);
    }

    /** Where a version-2 object header's first chunk ends (its checksum's offset). */
    private static int chunkEnd(ByteBuffer in, int chunk) {
        if (chunk < 0 || in.get(chunk + 4) != 2) {
            return -1;
        }
        int flags = in.get(chunk + 5);
        int at = chunk + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
        long size = switch (flags & 3) {
            case 0 -> in.get(at) & 0xff;
            case 1 -> in.getShort(at) & 0xffff;
            case 2 -> in.getInt(at) & 0xffffffffL;
            default -> in.getLong(at);
        };
        return (int) (at + (1 << (flags & 3)) + size);
    }

    private static void checkChecksum(byte[] file, int from, int at, String what) {
        int stored = ByteBuffer.wrap(file, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != JenkinsLookup3HashLittle.hash(Arrays.copyOfRange(file, from, at))) {
            throw unexpected(what + "'s checksum where the layout puts it");
        }
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int lastIndexOf(byte[] data, byte[] pattern, int before) {
        int found = -1;
        for (int i = indexOf(data, pattern, 0); i >= 0 && i < before; i = indexOf(data, pattern, i + 1)) {
            found = i;
        }
        return found;
    }

    private static IllegalStateException unexpected(String expected) {
        return new IllegalStateException("the HDF5 file jhdf wrote does not have " + expected + "; the variable-length "
                + "string cannot be written into it");
    }
}
