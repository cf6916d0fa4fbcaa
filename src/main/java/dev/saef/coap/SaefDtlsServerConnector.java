package dev.saef.coap;

import dev.saef.jsse.DtlsServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.elements.Connector;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContextMatcher;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.RawDataChannel;
import org.eclipse.californium.elements.exception.EndpointMismatchException;
import org.eclipse.californium.elements.exception.EndpointUnconnectedException;
import org.eclipse.californium.elements.util.ClockUtil;

/**
 * A Californium {@link Connector} for a CoAP server (a CSE) over SAEF's DTLS 1.2: it runs a
 * {@link DtlsServer} (one UDP channel, a stateless cookie exchange, bounded handshake threads, no thread
 * per established association) and hands each datagram of application data to Californium, with a
 * {@link DtlsEndpointContext} whose peer identity is the identity the handshake bound (TS-0003 clause
 * 8.2.2.1; see {@link BoundIdentity}). Responses go back over the association they belong to: Californium's
 * endpoint context matcher must accept the association's context, else the message fails with an
 * {@link EndpointMismatchException}.
 *
 * <p>Use it as any connector:
 * <pre>{@code
 * SSLContext dtls = SSLContext.getInstance("DTLS", "SAEF");
 * dtls.init(null, null, null);                      // the saef.* properties
 * CoapServer server = new CoapServer();
 * server.addEndpoint(CoapEndpoint.builder()
 *         .setConnector(new SaefDtlsServerConnector(dtls, new InetSocketAddress(5684)))
 *         .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build());
 * }</pre>
 *
 * <p>It answers peers; it does not start handshakes: a message to an address with no established
 * association fails with an {@link EndpointUnconnectedException} (a CSE that also sends requests, say
 * notifications, uses a {@link SaefDtlsClientConnector} for them). A message larger than one DTLS
 * record's plaintext fails too (CoAP needs one datagram per message; Californium's blockwise transfer,
 * on by default, keeps messages small). {@link #processDatagram} is not supported. Thread-safe.
 */
public final class SaefDtlsServerConnector implements Connector {

    private final DtlsServer.Builder settings;
    private final InetSocketAddress bind;
    private final Map<InetSocketAddress, Association> associations = new ConcurrentHashMap<>();
    private volatile DtlsServer server;
    private volatile RawDataChannel receiver;
    private volatile EndpointContextMatcher matcher;

    /**
     * A connector over a {@link DtlsServer} with its default settings.
     *
     * @param context a DTLS context, initialised ({@code SSLContext.getInstance("DTLS", "SAEF")})
     * @param bind the local address to listen on (port 0: any free port)
     */
    public SaefDtlsServerConnector(SSLContext context, InetSocketAddress bind) {
        this(DtlsServer.builder(context), bind);
    }

    /**
     * A connector over a {@link DtlsServer} built from {@code settings} (threads, peer limit, timeouts,
     * packet size); {@link #start} binds it to {@code bind}.
     */
    public SaefDtlsServerConnector(DtlsServer.Builder settings, InetSocketAddress bind) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.bind = Objects.requireNonNull(bind, "bind");
    }

    /** One established association: the DTLS peer and its Californium context. */
    private record Association(DtlsServer.Peer peer, DtlsEndpointContext context) {
    }

    @Override
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        server = settings.bind(bind).start(new DtlsServer.Handler() {
            @Override
            public void onConnected(DtlsServer.Peer peer) {
                associate(peer);
            }

            @Override
            public void onMessage(DtlsServer.Peer peer, byte[] data) {
                received(peer, data);
            }

            @Override
            public void onClosed(DtlsServer.Peer peer, String reason) {
                Association a = associations.get(peer.address());
                if (a != null && a.peer() == peer) {
                    associations.remove(peer.address(), a);
                }
            }
        });
    }

    private Association associate(DtlsServer.Peer peer) {
        Association a = new Association(peer, SessionContexts.of(peer.address(), null, peer.session()));
        associations.put(peer.address(), a);
        return a;
    }

    private void received(DtlsServer.Peer peer, byte[] data) {
        RawDataChannel r = receiver;
        DtlsServer s = server;
        if (r == null || s == null) {
            return; // no endpoint yet, or stopped: dropped as UDP may
        }
        Association a = associations.get(peer.address());
        if (a == null || a.peer() != peer) {
            a = associate(peer);
        }
        r.receiveData(RawData.inbound(data, a.context(), false, ClockUtil.nanoRealtime(), s.localAddress()));
    }

    @Override
    public void send(RawData message) {
        InetSocketAddress to = message.getInetSocketAddress();
        if (server == null) {
            message.onError(new IOException("SAEF DTLS connector " + bind + " is not running"));
            return;
        }
        Association a = associations.get(to);
        if (a == null || !a.peer().isConnected()) {
            message.onError(new EndpointUnconnectedException("no DTLS association with " + to
                    + ": a SAEF DTLS server connector answers its clients, it does not start handshakes"));
            return;
        }
        EndpointContextMatcher m = matcher;
        if (m != null && !m.isToBeSent(message.getEndpointContext(), a.context())) {
            message.onError(new EndpointMismatchException("the message belongs to another DTLS association with "
                    + to + " than the current one"));
            return;
        }
        IOException tooLarge = SessionContexts.checkOneRecord(message, a.peer().session());
        if (tooLarge != null) {
            message.onError(tooLarge);
            return;
        }
        message.onContextEstablished(a.context());
        try {
            a.peer().send(message.getBytes());
            message.onSent();
        } catch (IOException | RuntimeException e) {
            message.onError(e);
        }
    }

    @Override
    public synchronized void stop() {
        DtlsServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
        associations.clear();
    }

    @Override
    public void destroy() {
        stop();
    }

    @Override
    public void setRawDataReceiver(RawDataChannel receiver) {
        this.receiver = receiver;
    }

    @Override
    public void setEndpointContextMatcher(EndpointContextMatcher matcher) {
        this.matcher = matcher;
    }

    /** @return the address listened on (with the port chosen when it was 0), or the bind address before start */
    @Override
    public InetSocketAddress getAddress() {
        DtlsServer s = server;
        return s != null ? s.localAddress() : bind;
    }

    /** @return {@code DTLS}: Californium's endpoint serves {@code coaps} */
    @Override
    public String getProtocol() {
        return CoAP.PROTOCOL_DTLS;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /**
     * Not supported: datagrams come only from this connector's own channel (no DTLS connection-ID load
     * balancer in front of it).
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void processDatagram(DatagramPacket datagram) {
        throw new UnsupportedOperationException("SaefDtlsServerConnector reads its own channel only");
    }

    @Override
    public String toString() {
        return "SAEF DTLS server connector " + getAddress();
    }
}
