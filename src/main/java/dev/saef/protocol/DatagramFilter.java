package dev.saef.protocol;

/**
 * Checks a received datagram before Bouncy Castle's DTLS sees it, and drops it silently when it
 * cannot be valid (RFC 6347 section 4.1.2.7: invalid records are discarded, not fatal):
 *
 * <ul>
 *   <li>every record must be a whole DTLS record (RFC 6347 section 4.1: 13-octet header, content
 *       type 20 to 24, major version 254, a length that fits the datagram and at most
 *       {@value #MAX_RECORD_FRAGMENT} octets); a {@code tls12_cid} record (type 25, RFC 9146 section
 *       4) only when this end receives connection IDs, its header 13 octets plus the ID;</li>
 *   <li>every plaintext handshake fragment (epoch 0) must be whole and declare a message length of
 *       at most {@value HandshakeHeaderCheck#MAX_HANDSHAKE_MESSAGE} octets, the limit the TLS side
 *       enforces too, and its fragment must lie inside that message (RFC 6347 section 4.2.2).
 *       Bouncy Castle 1.84 sizes its reassembly buffer from the declared message length before any
 *       authentication (a memory denial of service, fixed upstream after 1.84); such fragments
 *       never reach it.</li>
 * </ul>
 */
final class DatagramFilter {

    /** RFC 6347 section 4.1: the DTLS record header. */
    static final int RECORD_HEADER = 13;
    /** RFC 6347 section 4.2.2: the DTLS handshake message header. */
    static final int HANDSHAKE_HEADER = 12;
    /** RFC 5246 section 6.2.3: 2^14 plaintext plus at most 2048 octets of protection. */
    static final int MAX_RECORD_FRAGMENT = 16384 + 2048;
    private static final int HANDSHAKE = 22;
    private static final int TLS12_CID = ConnectionIds.TLS12_CID;

    private DatagramFilter() {
    }

    /** @return true when every record of the datagram is well-formed and within the limits (no connection ID) */
    static boolean acceptable(byte[] d, int off, int len) {
        return acceptable(d, off, len, 0);
    }

    /**
     * @param cidLength the length of the connection ID in the records this end receives (RFC 9146), 0
     *     when none was negotiated: {@code tls12_cid} records are then invalid
     * @return true when every record of the datagram is well-formed and within the limits
     */
    static boolean acceptable(byte[] d, int off, int len, int cidLength) {
        if (len < RECORD_HEADER) {
            return false;
        }
        int p = off;
        int end = off + len;
        while (p < end) {
            if (end - p < RECORD_HEADER) {
                return false;
            }
            int type = d[p] & 0xff;
            if (type < 20 || type > TLS12_CID || (type == TLS12_CID && cidLength == 0) || (d[p + 1] & 0xff) != 0xfe) {
                return false;
            }
            int header = type == TLS12_CID ? RECORD_HEADER + cidLength : RECORD_HEADER;
            if (end - p < header) {
                return false;
            }
            int epoch = u16(d, p + 3);
            int length = u16(d, p + header - 2);
            if (length > MAX_RECORD_FRAGMENT || length > end - p - header) {
                return false;
            }
            if (type == HANDSHAKE && epoch == 0 && !fragmentsAcceptable(d, p + RECORD_HEADER, length)) {
                return false;
            }
            p += header + length;
        }
        return true;
    }

    /**
     * @param p the start of a record in a datagram that {@link #acceptable(byte[], int, int, int)} accepted
     * @param cidLength as given to {@code acceptable}
     * @return the length of that record, header included (RFC 6347 section 4.1, RFC 9146 section 4)
     */
    static int recordLength(byte[] d, int p, int cidLength) {
        int header = (d[p] & 0xff) == TLS12_CID ? RECORD_HEADER + cidLength : RECORD_HEADER;
        return header + u16(d, p + header - 2);
    }

    private static boolean fragmentsAcceptable(byte[] d, int off, int len) {
        int p = off;
        int end = off + len;
        if (len == 0) {
            return false;
        }
        while (p < end) {
            if (end - p < HANDSHAKE_HEADER) {
                return false;
            }
            int messageLength = u24(d, p + 1);
            int fragmentOffset = u24(d, p + 6);
            int fragmentLength = u24(d, p + 9);
            if (messageLength > HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE
                    || fragmentOffset + fragmentLength > messageLength
                    || fragmentLength > end - p - HANDSHAKE_HEADER) {
                return false;
            }
            p += HANDSHAKE_HEADER + fragmentLength;
        }
        return true;
    }

    private static int u16(byte[] d, int i) {
        return (d[i] & 0xff) << 8 | (d[i + 1] & 0xff);
    }

    private static int u24(byte[] d, int i) {
        return (d[i] & 0xff) << 16 | (d[i + 1] & 0xff) << 8 | (d[i + 2] & 0xff);
    }
}
