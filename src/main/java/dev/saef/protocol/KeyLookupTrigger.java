package dev.saef.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds, in the bytes a TLS 1.2 server receives and before Bouncy Castle sees them, the handshake
 * fields that make the server look a key up (RFC 5246 section 7.4): the {@code session_id} of the
 * ClientHello (section 7.4.1.2: a resumption asks the key manager whether the session's association
 * is unchanged), with session tickets on also the ClientHello's non-empty {@code SessionTicket}
 * extension (RFC 5077 section 3.2: the ticket names the session's KpsaID, whose association a ticket
 * resumption checks the same way; offered with a non-empty {@code session_id}, which the server echoes
 * to accept it, section 3.4), and the {@code psk_identity} that opens every RFC 4279 ClientKeyExchange
 * (PSK and DHE_PSK, section 2 and 3; ECDHE_PSK, RFC 5489 section 2). Handshake messages may be split
 * over records and several may share one (RFC 5246 section 6.2.1), so the record and message framing
 * is followed across calls. Only the plaintext part of the handshake is read: scanning stops at the
 * client's ChangeCipherSpec, at any record that is neither handshake nor alert, and once a
 * ClientKeyExchange was seen. Malformed input is left to Bouncy Castle: a field that cannot be
 * well-formed (a {@code session_id} over 32 octets, a {@code psk_identity} that is empty or over
 * {@value dev.saef.identity.KpsaId#MAX_OCTETS} octets, a ClientHello whose extensions do not parse or
 * that is longer than {@value HandshakeHeaderCheck#MAX_HANDSHAKE_MESSAGE} octets) is not reported. One
 * instance per connection, fed every byte in order; not thread-safe.
 *
 * <p>A ClientHello's fields are reported when its last octet arrives (Bouncy Castle acts on a
 * handshake message only once it is whole): its {@code session_id}, then, when present, its ticket, in
 * the same list.
 */
final class KeyLookupTrigger {

    private static final int CONTENT_CHANGE_CIPHER_SPEC = 20;
    private static final int CONTENT_ALERT = 21;
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int CLIENT_KEY_EXCHANGE = 16;
    /** client_version (2) and random (32) before the session_id length. */
    private static final int SESSION_ID_AT = 34;
    private static final int MAX_SESSION_ID = 32;
    /** RFC 5077's {@code SessionTicket} extension. */
    private static final int EXT_SESSION_TICKET = 35;

    /** Which field was found. */
    enum Kind {
        /** A ClientHello's non-empty {@code session_id}. */
        SESSION_ID,
        /** A ClientHello's non-empty {@code SessionTicket} extension (only with session tickets on). */
        SESSION_TICKET,
        /** A ClientKeyExchange's {@code psk_identity}. */
        PSK_IDENTITY
    }

    /** A field found, with its octets (a copy: the caller owns them). */
    record Found(Kind kind, byte[] octets) {
    }

    /** Whether ClientHello extensions are read for a session ticket. */
    private final boolean tickets;

    private final byte[] recordHeader = new byte[5];
    private int recordHeaderFill;
    private int fragmentLeft;
    private int contentType;
    private boolean done;

    private final byte[] messageHeader = new byte[4];
    private int messageHeaderFill;
    private int bodyLeft;
    private int messageType;
    /** The start of the current message's body, while a field in it is still wanted. */
    private final byte[] prefix = new byte[2 + dev.saef.identity.KpsaId.MAX_OCTETS + SESSION_ID_AT];
    private int prefixFill;
    /** How many body octets are wanted; 0: none (skip the rest of the body). */
    private int prefixWant;
    /** The current ClientHello's session_id, once read; reported at the end of the message. */
    private byte[] sessionId;
    /** Tickets on: the rest of the current ClientHello's body after a non-empty session_id, for its extensions. */
    private byte[] tail;
    private int tailFill;

    /** A trigger that reports session_ids and psk_identities, not session tickets. */
    KeyLookupTrigger() {
        this(false);
    }

    /** @param tickets whether session tickets are on: a ClientHello's ticket is reported too */
    KeyLookupTrigger(boolean tickets) {
        this.tickets = tickets;
    }

    /** @return true once nothing more can be found (the client's ChangeCipherSpec, a ClientKeyExchange, odd input) */
    boolean done() {
        return done;
    }

    /**
     * Reads the next received bytes.
     *
     * @return the fields completed within these bytes, in order (usually none, at most a session_id, a
     *     session ticket and a psk_identity)
     */
    List<Found> scan(byte[] buf, int off, int len) {
        List<Found> found = new ArrayList<>(0);
        int p = off;
        int end = off + len;
        while (p < end && !done) {
            if (fragmentLeft == 0) {
                recordHeader[recordHeaderFill++] = buf[p++];
                if (recordHeaderFill == recordHeader.length) {
                    recordHeaderFill = 0;
                    contentType = recordHeader[0] & 0xFF;
                    fragmentLeft = ((recordHeader[3] & 0xFF) << 8) | (recordHeader[4] & 0xFF);
                    if (contentType != CONTENT_HANDSHAKE && contentType != CONTENT_ALERT) {
                        done = true; // ChangeCipherSpec: the rest is encrypted; anything else: BC answers it
                    } else if (fragmentLeft == 0 || fragmentLeft > (1 << 14)) {
                        done = true; // an illegal record: BC refuses it
                    }
                }
                continue;
            }
            int n = Math.min(fragmentLeft, end - p);
            if (contentType == CONTENT_HANDSHAKE) {
                handshake(buf, p, n, found);
                if (done) {
                    break;
                }
            }
            fragmentLeft -= n;
            p += n;
        }
        return found;
    }

    /** Follows the handshake messages in {@code buf[p..p+n)}; adds the fields completed there to {@code found}. */
    private void handshake(byte[] buf, int p, int n, List<Found> found) {
        int end = p + n;
        while (p < end) {
            if (messageHeaderFill < messageHeader.length) {
                messageHeader[messageHeaderFill++] = buf[p++];
                if (messageHeaderFill == messageHeader.length) {
                    messageType = messageHeader[0] & 0xFF;
                    bodyLeft = ((messageHeader[1] & 0xFF) << 16) | ((messageHeader[2] & 0xFF) << 8)
                            | (messageHeader[3] & 0xFF);
                    prefixFill = 0;
                    prefixWant = messageType == CLIENT_HELLO ? SESSION_ID_AT + 1
                            : messageType == CLIENT_KEY_EXCHANGE ? 2 : 0;
                    sessionId = null;
                    tail = null;
                    if (bodyLeft == 0) {
                        endOfMessage(found);
                    }
                }
                continue;
            }
            int take = Math.min(bodyLeft, end - p);
            if (prefixFill < prefixWant) {
                int k = Math.min(take, prefixWant - prefixFill);
                System.arraycopy(buf, p, prefix, prefixFill, k);
                prefixFill += k;
                p += k;
                bodyLeft -= k;
                if (prefixFill == prefixWant) {
                    Found f = field();
                    if (f != null) {
                        found.add(f);
                    }
                }
            } else {
                if (tail != null) {
                    System.arraycopy(buf, p, tail, tailFill, take);
                    tailFill += take;
                }
                p += take;
                bodyLeft -= take;
            }
            if (bodyLeft == 0) {
                endOfMessage(found);
                if (done) {
                    return;
                }
            }
        }
    }

    private void endOfMessage(List<Found> found) {
        messageHeaderFill = 0;
        prefixWant = 0;
        if (messageType == CLIENT_HELLO && sessionId != null) {
            found.add(new Found(Kind.SESSION_ID, sessionId));
            byte[] ticket = tail == null ? null : sessionTicket(tail);
            if (ticket != null) {
                found.add(new Found(Kind.SESSION_TICKET, ticket));
            }
        }
        sessionId = null;
        tail = null;
        if (messageType == CLIENT_KEY_EXCHANGE) {
            done = true; // nothing after it needs a key
        }
    }

    /**
     * The body of a ClientHello after its {@code session_id} (RFC 5246 section 7.4.1.2: cipher_suites,
     * compression_methods, then optionally extensions filling the rest exactly).
     *
     * @return a copy of the non-empty {@code SessionTicket} extension's data (RFC 5077 section 3.2), or
     *     null when there is none or the rest does not parse (Bouncy Castle refuses that ClientHello)
     */
    private static byte[] sessionTicket(byte[] m) {
        int end = m.length;
        if (end < 2) {
            return null;
        }
        int p = 2 + u16(m, 0); // cipher_suites
        if (p + 1 > end) {
            return null;
        }
        p += 1 + (m[p] & 0xFF); // compression_methods
        if (p + 2 > end || p + 2 + u16(m, p) != end) {
            return null; // no extensions, or a block that does not fill the message
        }
        p += 2;
        byte[] ticket = null;
        while (p < end) {
            if (p + 4 > end) {
                return null;
            }
            int type = u16(m, p);
            int length = u16(m, p + 2);
            p += 4;
            if (p + length > end) {
                return null;
            }
            if (type == EXT_SESSION_TICKET && ticket == null && length > 0) {
                ticket = java.util.Arrays.copyOfRange(m, p, p + length);
            }
            p += length;
        }
        return ticket;
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    /**
     * The wanted prefix is complete: either ask for more (the field's length is known now), or keep a
     * ClientHello's session_id for the end of the message, or report a psk_identity.
     */
    private Found field() {
        if (messageType == CLIENT_HELLO) {
            if (prefixWant == SESSION_ID_AT + 1) {
                int length = prefix[SESSION_ID_AT] & 0xFF;
                prefixWant = length == 0 || length > MAX_SESSION_ID ? 0 : SESSION_ID_AT + 1 + length;
                return null;
            }
            prefixWant = 0;
            sessionId = java.util.Arrays.copyOfRange(prefix, SESSION_ID_AT + 1, prefixFill);
            if (tickets && bodyLeft <= HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE) {
                tail = new byte[bodyLeft]; // the extensions come last: keep the rest of the body
                tailFill = 0;
            }
            return null;
        }
        if (prefixWant == 2) {
            int length = ((prefix[0] & 0xFF) << 8) | (prefix[1] & 0xFF);
            prefixWant = length == 0 || length > dev.saef.identity.KpsaId.MAX_OCTETS ? 0 : 2 + length;
            return null;
        }
        prefixWant = 0;
        return new Found(Kind.PSK_IDENTITY, java.util.Arrays.copyOfRange(prefix, 2, prefixFill));
    }
}
