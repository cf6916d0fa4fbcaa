package dev.saef.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The session state a SAEF session ticket carries (RFC 5077 section 4, {@code StatePlaintext}),
 * sealed by {@link SessionTicketKeys}: what a server needs to resume a TLS 1.2 PSK session without
 * keeping it. It never carries the Kpsa: only the KpsaID, the keyed fingerprint of the association
 * and Kpsa ({@link SessionCache#fingerprint}, compared with the current association before the
 * ticket is accepted) and the identity the session was bound to (TS-0003 clause 8.2.2.1).
 *
 * <pre>
 * uint8  format (1)
 * uint16 cipher_suite
 * uint8  flags (1: extended master secret, 2: encrypt-then-MAC)
 * int8   max_fragment_length code, -1 for none
 * uint64 creation time (ms since the epoch)
 * opaque master_secret&lt;48&gt;            (uint8 length)
 * opaque kpsa_id&lt;1..2^16-1&gt;          (uint16 length, the wire octets)
 * opaque fingerprint&lt;0..255&gt;         (uint8 length)
 * uint8  principal kind (0: configured, 1: derived from the Credential-ID)
 * opaque principal_name&lt;0..2^16-1&gt;  (uint16 length, UTF-8)
 * </pre>
 *
 * @param cipherSuite the suite code
 * @param extendedMasterSecret whether RFC 7627 was negotiated
 * @param encryptThenMac whether RFC 7366 was negotiated
 * @param maxFragmentLength the RFC 6066 code negotiated, or -1
 * @param creationTime when the full handshake completed (ms)
 * @param masterSecret the 48-octet master secret; {@link #destroy()} zeroes it
 * @param kpsaId the KpsaID's wire octets
 * @param fingerprint the keyed fingerprint of the association and Kpsa
 * @param derivedPrincipal true when the bound identity is the Credential-ID
 * @param principalName the bound identity
 */
record TicketState(int cipherSuite, boolean extendedMasterSecret, boolean encryptThenMac, short maxFragmentLength,
        long creationTime, byte[] masterSecret, byte[] kpsaId, byte[] fingerprint, boolean derivedPrincipal,
        String principalName) {

    private static final int FORMAT = 1;
    static final int MASTER_SECRET_OCTETS = 48;

    /** @return the encoded state; the caller zeroes it after sealing (it holds the master secret) */
    byte[] encode() {
        byte[] name = principalName.getBytes(StandardCharsets.UTF_8);
        if (kpsaId.length == 0 || kpsaId.length > 0xFFFF || name.length > 0xFFFF || fingerprint.length > 0xFF
                || masterSecret.length != MASTER_SECRET_OCTETS) {
            throw new IllegalArgumentException("session state does not fit a ticket");
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + 1 + 1 + 8 + 1 + masterSecret.length + 2 + kpsaId.length + 1
                + fingerprint.length + 1 + 2 + name.length);
        b.put((byte) FORMAT).putShort((short) cipherSuite)
                .put((byte) ((extendedMasterSecret ? 1 : 0) | (encryptThenMac ? 2 : 0)))
                .put((byte) maxFragmentLength).putLong(creationTime)
                .put((byte) masterSecret.length).put(masterSecret)
                .putShort((short) kpsaId.length).put(kpsaId)
                .put((byte) fingerprint.length).put(fingerprint)
                .put((byte) (derivedPrincipal ? 1 : 0))
                .putShort((short) name.length).put(name);
        return b.array();
    }

    /**
     * @param encoded a state {@link SessionTicketKeys#open} returned (authentic: sealed by this server)
     * @return the state, or null when it is not one this version writes
     */
    static TicketState decode(byte[] encoded) {
        byte[] ms = null;
        try {
            ByteBuffer b = ByteBuffer.wrap(encoded);
            if (b.get() != FORMAT) {
                return null;
            }
            int suite = b.getShort() & 0xFFFF;
            int flags = b.get();
            short mfl = b.get();
            long created = b.getLong();
            ms = bytes(b, b.get() & 0xFF);
            byte[] kpsa = bytes(b, b.getShort() & 0xFFFF);
            byte[] fp = bytes(b, b.get() & 0xFF);
            int kind = b.get();
            String name = new String(bytes(b, b.getShort() & 0xFFFF), StandardCharsets.UTF_8);
            if (b.hasRemaining() || ms.length != MASTER_SECRET_OCTETS || kpsa.length == 0 || (kind != 0 && kind != 1)) {
                Arrays.fill(ms, (byte) 0);
                return null;
            }
            return new TicketState(suite, (flags & 1) != 0, (flags & 2) != 0, mfl, created, ms, kpsa, fp, kind == 1,
                    name);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            if (ms != null) {
                Arrays.fill(ms, (byte) 0); // a state cut short after its master secret
            }
            return null;
        }
    }

    /**
     * Opens a ticket the client offered: the one way the server reads a ticket, for the resumption check
     * ({@link SaefTlsServer}) and for a delegated key lookup ({@link DeferredKeyLookup}) alike.
     *
     * @param keys this server context's ticket keys
     * @param ticket the ticket (not modified)
     * @return the state, which the caller destroys ({@link #destroy()}); null when the ticket does not open
     *     (altered, sealed by a key not held, RFC 5077 section 4) or holds a state this version does not write
     */
    static TicketState open(SessionTicketKeys keys, byte[] ticket) {
        byte[] encoded = keys.open(ticket);
        if (encoded == null) {
            return null;
        }
        try {
            return decode(encoded);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /**
     * @param timeoutSeconds the server's {@code SSLSessionContext} session timeout; 0: none
     * @param nowMillis the time now, ms since the epoch
     * @return whether the session is older than the session timeout (then it is not resumed)
     */
    boolean expired(int timeoutSeconds, long nowMillis) {
        return timeoutSeconds > 0 && nowMillis - creationTime >= timeoutSeconds * 1000L;
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    /** Zeroes the master secret. */
    void destroy() {
        Arrays.fill(masterSecret, (byte) 0);
    }

    @Override
    public String toString() {
        return "TicketState[suite " + cipherSuite + ", created " + creationTime + "]"; // never the master secret
    }
}
