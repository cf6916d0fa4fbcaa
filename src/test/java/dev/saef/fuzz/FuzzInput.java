package dev.saef.fuzz;

import java.util.Arrays;

/**
 * Reads a fuzz input front to back as a small structured stream (unsigned bytes, 16-bit lengths,
 * byte strings), so that committed corpus files stay easy to write by hand or by {@link SeedWriter}:
 * unlike Jazzer's {@code FuzzedDataProvider}, which takes numbers from the end, everything here is
 * in file order. Past the end every read yields zeros / empty arrays, never an exception.
 */
public final class FuzzInput {
    private final byte[] data;
    private int pos;

    public FuzzInput(byte[] data) {
        this.data = data == null ? new byte[0] : data;
    }

    /** @return whether any byte is left */
    public boolean hasMore() {
        return pos < data.length;
    }

    /** @return the next byte, 0..255 (0 past the end) */
    public int u8() {
        return pos < data.length ? data[pos++] & 0xFF : 0;
    }

    /** @return the next two bytes big-endian, 0..65535 */
    public int u16() {
        return u8() << 8 | u8();
    }

    /** @return up to {@code n} next bytes (fewer at the end of the input) */
    public byte[] bytes(int n) {
        int k = Math.max(0, Math.min(n, data.length - pos));
        byte[] out = Arrays.copyOfRange(data, pos, pos + k);
        pos += k;
        return out;
    }

    /** @return a 16-bit length, taken modulo {@code max + 1}, then that many bytes */
    public byte[] lengthPrefixed(int max) {
        return bytes(u16() % (max + 1));
    }

    /** @return everything that is left */
    public byte[] rest() {
        return bytes(data.length - pos);
    }
}
