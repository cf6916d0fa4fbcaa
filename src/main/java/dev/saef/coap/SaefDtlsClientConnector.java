package dev.saef.coap;

import dev.saef.jsse.DtlsClient;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.elements.Connector;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.EndpointContextMatcher;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.RawDataChannel;
import org.eclipse.californium.elements.exception.EndpointMismatchException;
import org.eclipse.californium.elements.exception.EndpointUnconnectedException;
import org.eclipse.californium.elements.util.ClockUtil;

/**
 * A Californium {@link Connector} for a CoAP client (an AE) over SAEF's DTLS 1.2: the first message to a
 * server starts a handshake ({@link DtlsClient#connect}, with the association whose {@code address=}
 * matches the server's host and port, TS-0003 clause 8.2.2.1); messages sent meanwhile wait for it, and
 * all of them fail with the handshake's error when it fails or does not complete within the handshake
 * timeout (so a {@code CoapClient} gets an error, not a hang). Responses arrive with a
 * {@link DtlsEndpointContext} whose peer identity is IdB, the CSE-ID the association is bound to (see
 * {@link BoundIdentity}).
 *
 * <p>The host used for the association is the request's virtual host (the URI's host name) when it has
 * one, else the server's IP address. A message bound to an association that has ended (a
 * {@code CoapClient} pins its follow-up requests to the context of its first response; Californium's
 * default strict matching) fails with an {@link EndpointMismatchException} instead of starting a new
 * handshake, as with Californium's own DTLS connector. Each server the connector talks to has its own UDP socket and one
 * reader thread while its association lasts (a CoAP client talks to few servers); handshakes run on at
 * most {@value #HANDSHAKE_THREADS} threads. A server's close_notify ends its association; the next message
 * starts a new one. {@link #processDatagram} is not supported. Thread-safe.
 */
public final class SaefDtlsClientConnector implements Connector {

    /** Handshakes run at once; more wait in line. */
    public static final int HANDSHAKE_THREADS = 4;
    /** How long a reader waits for a datagram before it checks whether it should stop. */
    private static final Duration READ_SLICE = Duration.ofMillis(250);

    private final SSLContext context;
    private final Duration handshakeTimeout;
    private final Map<InetSocketAddress, Association> associations = new ConcurrentHashMap<>();
    private final AtomicInteger threadNumbers = new AtomicInteger();
    private volatile ExecutorService handshakes;
    private volatile RawDataChannel receiver;
    private volatile EndpointContextMatcher matcher;

    /**
     * @param context a DTLS context, initialised ({@code SSLContext.getInstance("DTLS", "SAEF")})
     * @param handshakeTimeout the limit of one handshake, retransmissions included; a wrong or unknown Kpsa
     *     shows as a handshake that does not complete, so keep it short (a few seconds on a LAN)
     */
    public SaefDtlsClientConnector(SSLContext context, Duration handshakeTimeout) {
        this.context = Objects.requireNonNull(context, "context");
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be a positive duration, not " + handshakeTimeout);
        }
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public synchronized void start() {
        if (handshakes != null) {
            return;
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(HANDSHAKE_THREADS, HANDSHAKE_THREADS, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, "saef-coap-handshake-" + threadNumbers.incrementAndGet()));
        pool.allowCoreThreadTimeOut(true);
        handshakes = pool;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void send(RawData message) {
        ExecutorService pool = handshakes;
        if (pool == null) {
            message.onError(new IOException("SAEF DTLS client connector is not running"));
            return;
        }
        InetSocketAddress to = message.getInetSocketAddress();
        while (true) {
            Association a = associations.computeIfAbsent(to, t -> new Association(t, message.getEndpointContext()));
            if (a.offer(message, pool)) {
                return;
            }
            associations.remove(to, a); // it ended meanwhile: start a new one
        }
    }

    @Override
    public synchronized void stop() {
        ExecutorService pool = handshakes;
        handshakes = null;
        if (pool != null) {
            pool.shutdownNow();
        }
        for (Association a : associations.values()) {
            a.end(new IOException("the SAEF DTLS client connector stopped"));
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

    /** @return the wildcard address, port 0: each server has its own socket, on an ephemeral port */
    @Override
    public InetSocketAddress getAddress() {
        return new InetSocketAddress(0);
    }

    /** @return {@code DTLS}: Californium's endpoint sends {@code coaps} requests */
    @Override
    public String getProtocol() {
        return CoAP.PROTOCOL_DTLS;
    }

    @Override
    public boolean isRunning() {
        return handshakes != null;
    }

    /**
     * Not supported: each association reads its own socket.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void processDatagram(DatagramPacket datagram) {
        throw new UnsupportedOperationException("SaefDtlsClientConnector reads its own sockets only");
    }

    @Override
    public String toString() {
        return "SAEF DTLS client connector (" + associations.size() + " association(s))";
    }

    /** The association with one server: handshaking, then established, then ended. */
    private final class Association {
        private final InetSocketAddress address;
        private final String host;
        private final String virtualHost;
        private final List<RawData> waiting = new ArrayList<>();
        private boolean started;
        private boolean ended;
        private DtlsClient client;
        private DtlsEndpointContext established;

        Association(InetSocketAddress address, EndpointContext first) {
            this.address = address;
            this.virtualHost = first.getVirtualHost();
            this.host = virtualHost != null ? virtualHost : address.getAddress().getHostAddress();
        }

        /** @return false when the association has ended (the caller starts a new one) */
        boolean offer(RawData message, ExecutorService pool) {
            DtlsEndpointContext ctx;
            DtlsClient c;
            synchronized (this) {
                if (ended) {
                    return false;
                }
                ctx = established;
                c = client;
                if (ctx == null) {
                    EndpointContextMatcher m = matcher;
                    if (m != null && !m.isToBeSent(message.getEndpointContext(), null)) {
                        // bound to an association that has ended (Californium's strict matching): as Scandium does,
                        // no new handshake for it
                        message.onError(new EndpointMismatchException("the message is bound to a DTLS association"
                                + " with " + address + " that has ended; send it without that endpoint context"
                                + " (CoapClient.setDestinationContext(null)) to start a new one"));
                        return true;
                    }
                    if (DtlsEndpointContext.HANDSHAKE_MODE_NONE.equals(
                            message.getEndpointContext().get(DtlsEndpointContext.KEY_HANDSHAKE_MODE))) {
                        message.onError(new EndpointUnconnectedException("no DTLS association with " + address
                                + " and the message asks for no handshake"));
                        return true;
                    }
                    waiting.add(message);
                    message.onConnecting();
                    if (!started) {
                        started = true;
                        try {
                            pool.execute(this::handshake);
                        } catch (RejectedExecutionException e) {
                            ended = true;
                            fail(List.copyOf(waiting), new IOException("the SAEF DTLS client connector stopped"));
                            waiting.clear();
                        }
                    }
                    return true;
                }
            }
            transmit(message, ctx, c);
            return true;
        }

        private void handshake() {
            DtlsClient c;
            try {
                c = DtlsClient.connect(context, host, address.getPort(), handshakeTimeout);
            } catch (IOException | RuntimeException e) {
                IOException why = e instanceof SSLHandshakeException h ? h : new SSLHandshakeException(
                        "DTLS handshake with " + host + ":" + address.getPort() + " failed: " + e.getMessage());
                if (why != e) {
                    why.initCause(e);
                }
                end(why);
                return;
            }
            DtlsEndpointContext ctx = SessionContexts.of(address, virtualHost, c.session());
            List<RawData> send;
            synchronized (this) {
                if (ended) {
                    c.close();
                    return;
                }
                client = c;
                established = ctx;
                send = List.copyOf(waiting);
                waiting.clear();
            }
            Thread reader = daemon(() -> read(c, ctx), "saef-coap-reader-" + threadNumbers.incrementAndGet());
            reader.start();
            for (RawData m : send) {
                transmit(m, ctx, c);
            }
        }

        private void read(DtlsClient c, DtlsEndpointContext ctx) {
            try {
                while (true) {
                    synchronized (this) {
                        if (ended) {
                            return;
                        }
                    }
                    byte[] data = c.receive(READ_SLICE);
                    if (data != null) {
                        RawDataChannel r = receiver;
                        if (r != null) {
                            r.receiveData(RawData.inbound(data, ctx, false, ClockUtil.nanoRealtime(), c.localAddress()));
                        }
                    } else if (c.isClosedByPeer()) {
                        end(new IOException("the DTLS server " + address + " closed the association"));
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                end(e instanceof IOException io ? io : new IOException(e.toString(), e));
            }
        }

        private void transmit(RawData message, DtlsEndpointContext ctx, DtlsClient c) {
            EndpointContextMatcher m = matcher;
            if (m != null && !m.isToBeSent(message.getEndpointContext(), ctx)) {
                message.onError(new EndpointMismatchException("the message belongs to another DTLS association with "
                        + address + " than the current one"));
                return;
            }
            IOException tooLarge = SessionContexts.checkOneRecord(message, c.session());
            if (tooLarge != null) {
                message.onError(tooLarge);
                return;
            }
            message.onContextEstablished(ctx);
            try {
                c.send(message.getBytes());
                message.onSent();
            } catch (IOException | RuntimeException e) {
                message.onError(e);
                end(e instanceof IOException io ? io : new IOException(e.toString(), e));
            }
        }

        /** Ends the association once: fails the waiting messages with {@code why}, closes the client. */
        void end(IOException why) {
            List<RawData> fail;
            DtlsClient c;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                fail = List.copyOf(waiting);
                waiting.clear();
                c = client;
            }
            associations.remove(address, this);
            if (c != null) {
                c.close();
            }
            fail(fail, why);
        }

        private void fail(List<RawData> messages, IOException why) {
            for (RawData m : messages) {
                m.onError(why);
            }
        }
    }
}
