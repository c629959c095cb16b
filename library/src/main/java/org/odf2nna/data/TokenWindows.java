package org.odf2nna.data;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.odf2nna.InputException;

/**
 * Windows of token ids cut from a text file ({@link TextTokens}) into an {@code .npz} archive a language model's run
 * reads like any other: consecutive windows of {@code window} tokens that do not overlap (the tokens after the last
 * whole window are left out), one int64 array [windows, window] per input of the model, named after it: the ids, an
 * attention mask of ones (as a tokenizer returns for windows without padding) and positions 0 .. window - 1. The
 * next-token task needs no labels: the target at t is the token at t + 1.
 */
public final class TokenWindows {

    /** What an input of the model is fed from the text. */
    public enum Role { IDS, ONES, POSITIONS }

    /** An input of the model and what it holds. */
    public record Feed(String input, Role role) {
    }

    /**
     * What was written.
     *
     * @param file      the archive
     * @param windows   windows written
     * @param tokens    tokens the text gave (windows x window of them are in the archive)
     * @param largestId the largest id among the text's tokens, or -1 for a text without any
     */
    public record Written(Path file, long windows, long tokens, long largestId) {
    }

    private TokenWindows() {
    }

    /**
     * Writes the windows of {@code text} to {@code npz}.
     *
     * @param tokenizer a Hugging Face {@code tokenizer.json}, or null to read the text's bytes as the tokens
     * @throws InputException where the text holds less than one window, or cannot be read
     */
    public static Written write(Path text, Path tokenizer, int window, List<Feed> feeds, Path npz) {
        if (window < 2) {
            throw new IllegalArgumentException("a window holds at least 2 tokens, got " + window);
        }
        Path ids = npz.resolveSibling(npz.getFileName() + ".ids");
        try {
            long[] counted = idsTo(text, tokenizer, ids);
            long windows = counted[0] / window;
            if (windows == 0) {
                throw new InputException(text, null, "holds " + counted[0] + " tokens, fewer than one window of "
                        + window);
            }
            try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(npz)))) {
                zip.setLevel(Deflater.BEST_SPEED);
                for (Feed f : feeds) {
                    zip.putNextEntry(new ZipEntry(f.input() + ".npy"));
                    zip.write(npyHeader(windows, window));
                    writeArray(zip, f.role(), ids, windows, window);
                    zip.closeEntry();
                }
            }
            return new Written(npz, windows, counted[0], counted[1]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the windows of " + text + " to " + npz + ": "
                    + e.getMessage(), e);
        } finally {
            ids.toFile().delete();
        }
    }

    /** Writes the text's ids to {@code ids} (int64, little-endian); returns the count and the largest id. */
    private static long[] idsTo(Path text, Path tokenizer, Path ids) throws IOException {
        long[] counted = {0, -1};
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(ids))) {
            TextTokens.read(text, tokenizer, id -> {
                buffer.putLong(id);
                counted[0]++;
                counted[1] = Math.max(counted[1], id);
                if (!buffer.hasRemaining()) {
                    flush(buffer, out);
                }
            });
            flush(buffer, out);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return counted;
    }

    private static void flush(ByteBuffer buffer, OutputStream out) {
        try {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeArray(OutputStream out, Role role, Path ids, long windows, int window)
            throws IOException {
        ByteBuffer row = ByteBuffer.allocate(8 * window).order(ByteOrder.LITTLE_ENDIAN);
        try (InputStream in = role == Role.IDS ? new BufferedInputStream(Files.newInputStream(ids)) : null) {
            DataInputStream data = in == null ? null : new DataInputStream(in);
            for (long w = 0; w < windows; w++) {
                row.clear();
                if (data != null) {
                    data.readFully(row.array());
                } else {
                    for (int t = 0; t < window; t++) {
                        row.putLong(role == Role.ONES ? 1 : t);
                    }
                }
                out.write(row.array());
            }
        }
    }

    /** A NumPy 1.0 header for a C-order int64 array [windows, window], padded to 64 bytes as NumPy pads it. */
    static byte[] npyHeader(long windows, int window) {
        String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + windows + ", " + window + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
