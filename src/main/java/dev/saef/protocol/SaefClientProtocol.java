package dev.saef.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.TlsClientProtocol;

/**
 * Bouncy Castle's non-blocking TLS client protocol with SAEF's input checks: the server's handshake
 * message headers are checked against the size limit before Bouncy Castle sees them
 * ({@link HandshakeHeaderCheck}), and a failure Bouncy Castle misclassifies as its own fault is
 * answered with the alert the peer's input deserves ({@link PeerFaults}). Once the handshake has
 * completed, received application data goes to a {@link PlaintextQueue} (a buffer only while data
 * waits) instead of Bouncy Castle's own queue, which would keep its largest array for good.
 */
final class SaefClientProtocol extends TlsClientProtocol implements OutputQueueRelease, DirectDelivery {

    /** {@link HandshakeHeaderCheck}'s state for this connection. */
    private long headerState = HandshakeHeaderCheck.INITIAL;
    private final PlaintextQueue received = new PlaintextQueue();
    /** Bouncy Castle reached {@code CS_END} once: it accepts application data from then on. */
    private boolean established;

    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        if (protocol == ContentType.handshake) {
            headerState = HandshakeHeaderCheck.check(headerState, false, buf, off, len);
        }
        established |= connection_state == CS_END;
        if (protocol == ContentType.application_data && established) {
            if (super.getAvailableInputBytes() > 0 || !received.deliver(buf, off, len)) {
                received.add(buf, off, len); // what Bouncy Castle would queue, kept in a released-when-drained buffer
            }
            return;
        }
        super.processRecord(protocol, buf, off, len); // before CS_END Bouncy Castle refuses application data
    }

    @Override
    public int getAvailableInputBytes() {
        return super.getAvailableInputBytes() + received.available();
    }

    @Override
    public int readInput(byte[] buffer, int offset, int length) {
        int n = super.readInput(buffer, offset, length); // Bouncy Castle's queue: only data it queued itself, first
        return n + received.read(buffer, offset + n, length - n);
    }

    @Override
    public int readInput(ByteBuffer buffer, int length) {
        int n = super.readInput(buffer, length);
        return n + received.read(buffer, length - n);
    }

    @Override
    protected void handleException(short alertDescription, String message, Throwable e) throws IOException {
        super.handleException(PeerFaults.alertFor(alertDescription, e), message, e);
    }

    @Override
    public PlaintextQueue received() {
        return received;
    }

    @Override
    public void releaseOutputQueue() {
        outputBuffer.getBuffer().shrink(); // empty: drops the array (it held records, already encrypted)
    }
}
