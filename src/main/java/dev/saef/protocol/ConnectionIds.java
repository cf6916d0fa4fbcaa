package dev.saef.protocol;

/**
 * RFC 9146 connection IDs: what SAEF's DTLS client and server offer, and how a transport reads the
 * ID out of a received {@code tls12_cid} record to find its association.
 *
 * <p>An ID is {@link SaefPolicy#connectionIdLength()} random octets from the policy's random source,
 * fresh for every handshake (RFC 9146 section 3: negotiated afresh on every handshake), or none when
 * the length is 0. All IDs of one context have the same length: the record header does not carry it
 * (RFC 9146 section 4), so a receiver must know it.
 */
public final class ConnectionIds {

    /** RFC 9146 section 4: the content type of a DTLS 1.2 record that carries a connection ID. */
    public static final int TLS12_CID = 25;
    /** RFC 9146 section 4: the connection ID follows type (1), version (2), epoch (2), sequence number (6). */
    public static final int CID_OFFSET = 11;

    private ConnectionIds() {
    }

    /** @return a fresh random ID of the policy's length, or null when connection IDs are off */
    static byte[] fresh(SaefPolicy policy) {
        int n = policy.connectionIdLength();
        if (n == 0) {
            return null;
        }
        byte[] id = new byte[n];
        policy.random().nextBytes(id);
        return id;
    }

    /**
     * @return the connection ID of the {@code tls12_cid} record that starts the datagram, when it is
     *     one, with an ID of {@code length} octets and a whole header (type, DTLS version, ID, length
     *     field); else null. Never throws on malformed input.
     */
    public static byte[] of(byte[] d, int off, int len, int length) {
        if (length <= 0 || d == null || off < 0 || len < 0 || off + len > d.length
                || len < CID_OFFSET + length + 2 || (d[off] & 0xff) != TLS12_CID || (d[off + 1] & 0xff) != 0xfe) {
            return null;
        }
        return java.util.Arrays.copyOfRange(d, off + CID_OFFSET, off + CID_OFFSET + length);
    }
}
