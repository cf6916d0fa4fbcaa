package dev.saef.protocol;

import java.util.Objects;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DatagramSender;

/**
 * The stateless first step of a DTLS 1.2 server that keeps a table of peers (RFC 6347 section 4.2.1,
 * "Denial-of-Service Countermeasures"): it looks at one received datagram alone and says whether it
 * is a ClientHello carrying a valid cookie, so that a transport creates per-peer state only for a
 * client that has proved it receives at its source address.
 *
 * <p>A ClientHello without a valid cookie is answered with a HelloVerifyRequest computed from the
 * datagram alone: the cookie is an HMAC-SHA256, under the context's secret (the verifier of
 * {@link DtlsHandshakes}), of the client's address and its ClientHello; the record sequence number
 * is the ClientHello's (RFC 6347 section 4.2.1). Nothing is kept. The answer is never larger than
 * the request (no amplification: a HelloVerifyRequest is 60 octets, the smallest ClientHello 64); an
 * answer that would be is not sent. A datagram that is not a well-formed ClientHello
 * ({@link DatagramFilter}, then Bouncy Castle's parser) gets no answer.
 *
 * <p>The same context's server engines check the cookie again with the same secret and the same
 * client address, so a ClientHello this class calls valid starts the engine's handshake at once.
 * Thread-safe and allocation-light: meant to run on a server's receiving thread.
 */
public final class StatelessHelloCheck {

    /** What to do with the datagram. */
    public enum Verdict {
        /** a ClientHello with a valid cookie: a peer may be created and given this datagram */
        COOKIE_VALID,
        /** a ClientHello without a valid cookie: send {@link Result#reply()} back, keep nothing */
        ANSWERED,
        /** not a well-formed ClientHello: drop it silently (RFC 6347 section 4.1.2.7) */
        DROPPED
    }

    /**
     * The verdict on one datagram.
     *
     * @param verdict what to do
     * @param reply the HelloVerifyRequest datagram to send back ({@link Verdict#ANSWERED} only), else null
     */
    public record Result(Verdict verdict, byte[] reply) {
    }

    private static final Result VALID = new Result(Verdict.COOKIE_VALID, null);
    private static final Result DROP = new Result(Verdict.DROPPED, null);

    private final DtlsHandshakes handshakes;

    /** @param handshakes the context's DTLS state: its verifier holds the cookie secret */
    public StatelessHelloCheck(DtlsHandshakes handshakes) {
        this.handshakes = Objects.requireNonNull(handshakes, "handshakes");
    }

    /**
     * Checks one received datagram.
     *
     * @param clientId the client's address as the server engine binds it into the cookie (the same
     *     octets the engine is created with)
     * @return the verdict; never throws on malformed input
     */
    public Result check(byte[] clientId, byte[] d, int off, int len) {
        if (len <= 0 || off < 0 || off + len > d.length || !DatagramFilter.acceptable(d, off, len)) {
            return DROP;
        }
        Capture reply = new Capture(len);
        DTLSRequest request;
        try {
            request = handshakes.verifier().verifyRequest(clientId, d, off, len, reply);
        } catch (RuntimeException e) {
            return DROP; // a parser corner Bouncy Castle did not catch: still no state, no answer
        }
        if (request != null) {
            return VALID;
        }
        if (reply.datagram == null || reply.oversized) {
            return DROP;
        }
        return new Result(Verdict.ANSWERED, reply.datagram);
    }

    /** Takes the one HelloVerifyRequest the verifier sends, if it is no larger than the request. */
    private static final class Capture implements DatagramSender {
        private final int limit;
        private byte[] datagram;
        private boolean oversized;

        Capture(int limit) {
            this.limit = limit;
        }

        @Override
        public int getSendLimit() {
            return limit;
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            if (len > limit || datagram != null) {
                oversized = true;
                return;
            }
            datagram = java.util.Arrays.copyOfRange(buf, off, off + len);
        }
    }
}
