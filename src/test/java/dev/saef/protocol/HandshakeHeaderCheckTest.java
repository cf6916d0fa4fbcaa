package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.Test;

/**
 * {@link HandshakeHeaderCheck}: the size limit on handshake messages holds whatever the record
 * boundaries, with the check's whole state in one {@code long}: headers split over fragments, bodies
 * spanning fragments, several messages in one fragment.
 */
class HandshakeHeaderCheckTest {

    private static byte[] message(short type, int length) {
        byte[] m = new byte[4 + Math.min(length, 64)];
        m[0] = (byte) type;
        m[1] = (byte) (length >>> 16);
        m[2] = (byte) (length >>> 8);
        m[3] = (byte) length;
        return m;
    }

    /** Feeds {@code data} in fragments of {@code step} octets. */
    private static long feed(long state, boolean peerIsClient, byte[] data, int step) throws TlsFatalAlert {
        for (int off = 0; off < data.length; off += step) {
            state = HandshakeHeaderCheck.check(state, peerIsClient, data, off, Math.min(step, data.length - off));
        }
        return state;
    }

    @Test
    void anOverLongMessageIsRefusedWhereverTheHeaderIsSplit() {
        byte[] huge = message(HandshakeType.client_key_exchange, HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE + 1);
        for (int step = 1; step <= 4; step++) {
            int s = step;
            TlsFatalAlert a = assertThrows(TlsFatalAlert.class,
                    () -> feed(HandshakeHeaderCheck.INITIAL, true, java.util.Arrays.copyOf(huge, 4), s));
            assertEquals(AlertDescription.illegal_parameter, a.getAlertDescription());
            assertTrue(a.getMessage().contains("the client's ClientKeyExchange has 32769 octets"), a.getMessage());
        }
    }

    @Test
    void messagesWithinTheLimitPassAcrossFragmentsAndTheStateReturnsToTheStart() throws TlsFatalAlert {
        // a Finished (12-octet body) and a message at the limit, its body 32768 octets, then another header
        byte[] finished = new byte[4 + 12];
        finished[0] = HandshakeType.finished;
        finished[3] = 12;
        byte[] atLimit = message(HandshakeType.server_hello, HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE);
        byte[] body = new byte[HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE];
        for (int step : new int[] {1, 3, 5, 7, 4096, 40_000}) {
            long state = feed(HandshakeHeaderCheck.INITIAL, false, finished, step);
            assertEquals(HandshakeHeaderCheck.INITIAL, state, "after a whole Finished, step " + step);
            state = feed(state, false, java.util.Arrays.copyOf(atLimit, 4), step);
            state = feed(state, false, body, step);
            assertEquals(HandshakeHeaderCheck.INITIAL, state, "after a whole 32 KiB message, step " + step);
            byte[] tooLong = message(HandshakeType.server_hello, HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE + 1);
            long before = state;
            TlsFatalAlert a = assertThrows(TlsFatalAlert.class,
                    () -> feed(before, false, java.util.Arrays.copyOf(tooLong, 4), 1));
            assertTrue(a.getMessage().contains("the server's server_hello message has 32769 octets"), a.getMessage());
        }
    }

    @Test
    void anUnknownTypeIsLeftToBouncyCastle() throws TlsFatalAlert {
        byte[] unknown = message((short) 99, 0xFFFFFF);
        long state = HandshakeHeaderCheck.check(HandshakeHeaderCheck.INITIAL, true, unknown, 0, 4);
        assertEquals(0xFFFFFF, (int) state, "its body is skipped");
    }
}
