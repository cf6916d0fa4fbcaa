package dev.saef.protocol;

import dev.saef.profile.SuiteProfile;

/**
 * Looks at the first TLS record a server receives, without consuming it, to tell whether the client
 * offers any PSK suite of the TS-0003 clause 10.2.2 profile. A server that also serves certificate
 * clients (clause 10.2.1: IN servers support the suites of 10.2.2 and 10.2.3) hands clients that
 * offer none to the JDK's TLS. Bounds-checked; anything unexpected counts as "ours", so Bouncy
 * Castle produces the proper alert.
 */
public final class ClientHelloInspector {

    /** What the first bytes show. */
    public enum Verdict {
        /** Not enough bytes yet for the whole first record. */
        NEED_MORE,
        /** A ClientHello offering at least one suite of the PSK profile, or anything not parseable. */
        PSK,
        /** A well-formed ClientHello offering no PSK suite at all. */
        NO_PSK
    }

    private ClientHelloInspector() {
    }

    /**
     * @param buf received bytes, starting at a record boundary
     * @return the verdict for the ClientHello in the first record
     */
    public static Verdict inspect(byte[] buf, int off, int len) {
        if (len < 5) {
            return Verdict.NEED_MORE;
        }
        int type = buf[off] & 0xFF;
        int recordLength = ((buf[off + 3] & 0xFF) << 8) | (buf[off + 4] & 0xFF);
        if (type != 22 || (buf[off + 1] & 0xFF) != 3 || recordLength > 16384 + 2048) {
            return Verdict.PSK; // not a TLS handshake record: let BC answer
        }
        if (len < 5 + recordLength) {
            return Verdict.NEED_MORE;
        }
        int p = off + 5;
        int end = p + recordLength;
        // handshake header: msg_type(1) = client_hello(1), length(3)
        if (end - p < 4 || (buf[p] & 0xFF) != 1) {
            return Verdict.PSK;
        }
        int bodyLength = ((buf[p + 1] & 0xFF) << 16) | ((buf[p + 2] & 0xFF) << 8) | (buf[p + 3] & 0xFF);
        p += 4;
        int bodyEnd = Math.min(end, p + bodyLength); // a ClientHello fragmented over records: look at what we have
        p += 2 + 32; // client_version, random
        if (p + 1 > bodyEnd) {
            return Verdict.PSK;
        }
        p += 1 + (buf[p] & 0xFF); // session_id
        if (p + 2 > bodyEnd) {
            return Verdict.PSK;
        }
        int suitesLength = ((buf[p] & 0xFF) << 8) | (buf[p + 1] & 0xFF);
        p += 2;
        if (suitesLength % 2 != 0 || p + suitesLength > bodyEnd) {
            return Verdict.PSK;
        }
        for (int i = 0; i < suitesLength; i += 2) {
            int code = ((buf[p + i] & 0xFF) << 8) | (buf[p + i + 1] & 0xFF);
            if (SuiteProfile.byCode(code).isPresent()) {
                return Verdict.PSK;
            }
        }
        return Verdict.NO_PSK;
    }
}
