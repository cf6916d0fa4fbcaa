package dev.saef.protocol;

import java.io.IOException;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * Bouncy Castle's non-blocking TLS server protocol with SAEF's input checks: the client's handshake
 * message headers are checked against the size limit before Bouncy Castle sees them
 * ({@link HandshakeHeaderCheck}), and a failure Bouncy Castle misclassifies as its own fault is
 * answered with the alert the peer's input deserves ({@link PeerFaults}).
 */
final class SaefServerProtocol extends TlsServerProtocol implements OutputQueueRelease {

    private final HandshakeHeaderCheck headers = new HandshakeHeaderCheck(true);

    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        if (protocol == ContentType.handshake) {
            headers.check(buf, off, len);
        }
        super.processRecord(protocol, buf, off, len);
    }

    @Override
    protected void handleException(short alertDescription, String message, Throwable e) throws IOException {
        super.handleException(PeerFaults.alertFor(alertDescription, e), message, e);
    }

    @Override
    public void releaseOutputQueue() {
        outputBuffer.getBuffer().shrink(); // empty: drops the array (it held records, already encrypted)
    }
}
