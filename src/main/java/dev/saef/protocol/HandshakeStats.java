package dev.saef.protocol;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The handshake outcomes of one {@code SSLContext}: a {@link LongAdder} per {@link HandshakeOutcome}
 * (cheap on the hot path), and one line per handshake on the {@code dev.saef} {@link System.Logger}
 * ({@link HandshakeLog}: failures at {@code INFO} or {@code WARNING}, successes at {@code DEBUG},
 * rate-limited, never key material). Thread-safe. Holds nothing of its context, so that a JMX view
 * of it does not keep the context (or its keys) alive.
 */
public final class HandshakeStats {

    private final LongAdder[] counts = new LongAdder[HandshakeOutcome.values().length];
    private final String transport;

    /** @param transport {@code TLS} or {@code DTLS}, named in log lines */
    public HandshakeStats(String transport) {
        this.transport = transport;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** @return {@code TLS} or {@code DTLS} */
    public String transport() {
        return transport;
    }

    /** @return how many handshakes of this context ended so */
    public long count(HandshakeOutcome o) {
        return counts[o.ordinal()].sum();
    }

    /** @return every outcome's count, in declaration order */
    public Map<HandshakeOutcome, Long> counts() {
        Map<HandshakeOutcome, Long> m = new EnumMap<>(HandshakeOutcome.class);
        for (HandshakeOutcome o : HandshakeOutcome.values()) {
            m.put(o, count(o));
        }
        return m;
    }

    /**
     * Counts one handshake and logs it.
     *
     * @param client the role of this side
     * @param peer the peer's host and port as text
     * @param kpsaId the KpsaID (configured or offered), or null when none is known yet
     * @param detail what happened (a failure's message, a success's suite); never key material
     */
    public void record(HandshakeOutcome o, boolean client, String peer, String kpsaId, String detail) {
        counts[o.ordinal()].increment();
        HandshakeLog.log(o, client, transport, peer, kpsaId, detail);
    }
}
