package dev.saef.protocol;

import dev.saef.profile.SuiteProfile;
import java.util.Objects;

/**
 * Looks at the first bytes a server receives, without consuming them, to tell whether the client
 * offers any PSK suite of the TS-0003 clause 10.2.2 profile. A server that also serves certificate
 * clients (clause 10.2.1: IN servers support the suites of 10.2.2 and 10.2.3) hands clients that
 * offer none to the JDK's TLS.
 *
 * <p>The ClientHello may be split over several handshake records (RFC 5246 section 6.2.1: handshake
 * messages may be fragmented across records), so the inspector reassembles it from consecutive
 * handshake records before reading it. It is bounded: it looks at no more than
 * {@value #MAX_INSPECTED} octets (record headers included: one full-size record's worth), so a caller
 * whose buffer holds that many never waits for more. The whole ClientHello structure (RFC 5246
 * section 7.4.1.2: version, random, session id, suites, compression methods, extensions) is checked;
 * anything unexpected (not a handshake record, a record over 2^14 octets or empty, a message that is
 * not a ClientHello or is malformed, a ClientHello larger than the bound) counts as "ours", so Bouncy
 * Castle produces the proper alert. Never throws on any content. Stateless and thread-safe.
 */
public final class ClientHelloInspector {

    /**
     * The most octets inspected, record headers included: {@code 5 + 2^14}, one record of the largest
     * plaintext size (RFC 5246 section 6.2.1). Real ClientHellos are far smaller (about 200 octets to
     * 2 KiB). A caller's buffer must hold at least this many.
     */
    public static final int MAX_INSPECTED = 5 + 16384;

    private static final int RECORD_HEADER = 5;
    private static final int MAX_FRAGMENT = 16384;
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;

    /** What the first bytes show. */
    public enum Verdict {
        /** Not enough bytes yet for the whole ClientHello (and fewer than {@link #MAX_INSPECTED} given). */
        NEED_MORE,
        /** A ClientHello offering at least one suite of the PSK profile, or anything not parseable. */
        PSK,
        /** A well-formed ClientHello offering no PSK suite at all. */
        NO_PSK
    }

    private ClientHelloInspector() {
    }

    /**
     * @param buf received bytes, starting at a record boundary (the first byte of the connection)
     * @param off where they start in {@code buf}
     * @param len how many there are
     * @return the verdict for the ClientHello carried by the first handshake record(s); never
     *     {@link Verdict#NEED_MORE} when {@code len >= MAX_INSPECTED}
     * @throws IndexOutOfBoundsException when {@code off} and {@code len} do not describe a range of {@code buf}
     */
    public static Verdict inspect(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int limit = Math.min(len, MAX_INSPECTED);
        byte[] message = null; // the reassembled handshake message, allocated once its length is known
        byte[] header = new byte[4];
        int have = 0; // handshake octets gathered so far
        int total = -1; // length of the whole handshake message (header included), once known
        int p = 0;
        while (true) {
            if (p + RECORD_HEADER > limit) {
                return incomplete(len);
            }
            int type = buf[off + p] & 0xFF;
            int major = buf[off + p + 1] & 0xFF;
            int fragment = u16(buf, off + p + 3);
            if (type != CONTENT_HANDSHAKE || major != 3 || fragment == 0 || fragment > MAX_FRAGMENT) {
                return Verdict.PSK; // not a (legal) TLS handshake record: let BC answer
            }
            if (p + RECORD_HEADER + fragment > limit) {
                return incomplete(len);
            }
            int q = off + p + RECORD_HEADER;
            int end = q + fragment;
            p += RECORD_HEADER + fragment;
            while (q < end) {
                if (total < 0) {
                    header[have++] = buf[q++];
                    if (have == 4) {
                        if ((header[0] & 0xFF) != CLIENT_HELLO) {
                            return Verdict.PSK;
                        }
                        int body = ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
                        if (body > MAX_INSPECTED - RECORD_HEADER - 4) {
                            return Verdict.PSK; // cannot fit in what we inspect: ours (BC bounds it)
                        }
                        total = 4 + body;
                        message = new byte[total];
                        System.arraycopy(header, 0, message, 0, 4);
                    }
                } else {
                    int n = Math.min(end - q, total - have);
                    System.arraycopy(buf, q, message, have, n);
                    have += n;
                    q += n;
                    if (have == total && q < end) {
                        return Verdict.PSK; // more handshake data after the ClientHello in its first flight
                    }
                }
                if (total >= 0 && have == total && q == end) {
                    return verdict(message, 4, total);
                }
            }
        }
    }

    private static Verdict incomplete(int len) {
        return len >= MAX_INSPECTED ? Verdict.PSK : Verdict.NEED_MORE;
    }

    /** Checks the ClientHello body {@code m[p..end)} (RFC 5246 section 7.4.1.2) and looks for a PSK suite. */
    private static Verdict verdict(byte[] m, int p, int end) {
        p += 2 + 32; // client_version, random
        if (p + 1 > end) {
            return Verdict.PSK;
        }
        int sessionId = m[p] & 0xFF;
        p += 1 + sessionId;
        if (sessionId > 32 || p + 2 > end) {
            return Verdict.PSK;
        }
        int suitesLength = u16(m, p);
        p += 2;
        int suites = p;
        p += suitesLength;
        if (suitesLength < 2 || suitesLength % 2 != 0 || p + 1 > end) {
            return Verdict.PSK;
        }
        int compressions = m[p] & 0xFF;
        p += 1 + compressions;
        if (compressions < 1 || p > end) {
            return Verdict.PSK;
        }
        if (p < end) { // extensions (optional): a block whose entries fill it exactly
            if (p + 2 > end || p + 2 + u16(m, p) != end) {
                return Verdict.PSK;
            }
            p += 2;
            while (p < end) {
                if (p + 4 > end) {
                    return Verdict.PSK;
                }
                p += 4 + u16(m, p + 2);
                if (p > end) {
                    return Verdict.PSK;
                }
            }
        }
        for (int i = suites; i < suites + suitesLength; i += 2) {
            if (SuiteProfile.byCode(u16(m, i)).isPresent()) {
                return Verdict.PSK;
            }
        }
        return Verdict.NO_PSK;
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }
}
