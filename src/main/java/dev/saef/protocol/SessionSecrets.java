package dev.saef.protocol;

import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsSession;

/**
 * Destroys the master secret Bouncy Castle keeps in a connection's {@link TlsSession} once the
 * connection has ended. Bouncy Castle destroys the connection's own copy when the handshake completes,
 * but the session keeps another (for resumption) that nothing zeroes: invalidating a session only marks
 * it not resumable. SAEF never resumes sessions (every connection runs a full PSK handshake), so the
 * session's master secret has no use after the connection ends (RFC 5246 section 8.1 asks to delete
 * secrets once no longer needed).
 */
final class SessionSecrets {
    private SessionSecrets() {
    }

    /** Invalidates the connection's session and zeroes its master secret; a no-op without a session. */
    static void destroy(TlsContext context) {
        TlsSession session = context == null ? null : context.getSession();
        if (session == null) {
            return;
        }
        session.invalidate();
        SessionParameters parameters = session.exportSessionParameters(); // shares the master secret object
        if (parameters != null) {
            parameters.clear(); // destroys it: zeroes the octets
        }
    }
}
