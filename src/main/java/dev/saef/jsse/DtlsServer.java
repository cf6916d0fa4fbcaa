package dev.saef.jsse;

import dev.saef.protocol.ConnectionIds;
import dev.saef.protocol.StatelessHelloCheck;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A ready-made DTLS 1.2 server (RFC 6347) over SAEF's DTLS {@code SSLContext}
 * ({@code SSLContext.getInstance("DTLS", "SAEF")}), because the JDK has no DTLS socket.
 *
 * <p>What it does:
 * <ul>
 *   <li>one {@link DatagramChannel}, read by one receiver thread; datagrams are demultiplexed by
 *       source address, one server-mode {@code SSLEngine} per peer, created with
 *       {@code createSSLEngine(peerAddress, peerPort)} (the engine binds its HelloVerifyRequest cookie
 *       to that address, RFC 6347 section 4.2.1);</li>
 *   <li>a ClientHello from an unknown address is first answered statelessly (RFC 6347 section
 *       4.2.1): without a valid cookie it gets a HelloVerifyRequest computed from that datagram alone,
 *       on the receiver thread, never larger than the ClientHello (no amplification), and nothing is
 *       kept ({@link #helloVerifyRequests()} counts them); only a ClientHello whose cookie proves that
 *       the client receives at its address creates a peer. Spoofed ClientHellos therefore cannot fill
 *       the peer table;</li>
 *   <li>each peer's datagrams are processed in order on a bounded executor ({@link Builder#threads}):
 *       the engine's {@code unwrap}/{@code wrap}, including the handshake and the application's
 *       {@link Handler} callbacks; an idle established peer holds no thread;</li>
 *   <li>with RFC 9146 connection IDs on ({@code saef.dtls.connectionIdLength} in the context's
 *       configuration), a record of type {@code tls12_cid} is given to the peer whose ID it carries,
 *       whatever its source address, so that a client whose address changes (NAT rebinding) keeps its
 *       session. The peer's address, where the server sends, changes only after a record from the new
 *       address authenticated, is newer than every record received before, and carried the ID (RFC 9146
 *       section 6); a forged or replayed record from elsewhere is dropped by the engine and moves
 *       nothing. Without connection IDs a peer is found by its address alone;</li>
 *   <li>a client that restarts its handshake from the address of an established peer (RFC 6347 section
 *       4.2.8: an epoch-0 ClientHello with another client random, say from a device that rebooted and
 *       kept its port) goes through the same stateless cookie exchange: without a valid cookie it gets
 *       a HelloVerifyRequest and nothing else happens, so a sender who can spoof the address but not
 *       receive there cannot disturb the peer. A ClientHello with a valid cookie starts a new handshake
 *       beside the established peer (at most one per peer; a newer one replaces it), which keeps
 *       working meanwhile: its authenticated records are still delivered (records of a later epoch
 *       without its connection ID go to both engines, each drops what it cannot authenticate). Once the
 *       new handshake completes, the old peer is closed without close_notify (the address is the new
 *       client's), its engine released, and {@link Handler#onClosed} says it was replaced; a new
 *       handshake that fails or times out leaves the old peer as it was. With connection IDs, records
 *       carrying the old peer's ID still go to it; the restart, like any ClientHello, carries none and
 *       is matched by address. A peer whose handshake has not completed is replaced at once by a
 *       ClientHello with a valid cookie and another random;</li>
 *   <li>only a datagram that begins with a ClientHello creates a peer (a late record of a peer already
 *       gone, say its close_notify answering ours, creates nothing);</li>
 *   <li>at most {@link Builder#maxPeers} peers at once: a ClientHello with a valid cookie from a further
 *       address is dropped (as UDP may), and counted ({@link #droppedDatagrams()}); at most
 *       {@value #MAX_QUEUED_PER_PEER} datagrams wait per peer, more are dropped;</li>
 *   <li>a peer whose handshake has not completed within {@link Builder#handshakeTimeout} is removed, and
 *       counted as a handshake timeout in the context's handshake outcomes;
 *       while it waits for the client, the last flight is retransmitted per RFC 6347 section 4.2.4
 *       (the engine's contract: {@code wrap} after a receive timeout), after 1 s, doubling up to 60 s;</li>
 *   <li>an established peer that sends nothing for {@link Builder#idleTimeout} is removed (it is sent a
 *       close_notify first): only its authenticated records count, so datagrams forged with its address
 *       or connection ID do not keep it; a peer's close_notify is answered and removes it;</li>
 *   <li>{@link #close()} sends close_notify to every peer and stops the threads and the channel.</li>
 * </ul>
 * The peer's identity is what the handshake bound: {@link Peer#principal()} is the session's peer
 * principal (for SAEF, a {@code dev.saef.identity.SaefPrincipal}: the configured AE-ID/CSE-ID or the
 * Credential-ID of TS-0003 clause 10.4). Thread-safe.
 */
public final class DtlsServer implements Closeable {

    /** Datagrams that may wait for processing per peer; further ones are dropped. */
    public static final int MAX_QUEUED_PER_PEER = 64;
    /** First retransmission delay (RFC 6347 section 4.2.4.1: 1 s). */
    static final long FIRST_RETRANSMIT_MILLIS = 1_000;
    /** Largest retransmission delay (RFC 6347 section 4.2.4.1: at least 60 s). */
    static final long MAX_RETRANSMIT_MILLIS = 60_000;
    /** Largest datagram read: the engine's largest packet. */
    private static final int RECEIVE_BUFFER = 65_535;
    private static final int MAX_STEPS = 200;

    /** The application's side of a {@code DtlsServer}; called on the server's executor threads. */
    public interface Handler {
        /** A peer completed its handshake; its session is bound. */
        default void onConnected(Peer peer) {
        }

        /**
         * One datagram of application data from an established peer.
         *
         * @param peer the peer; {@link Peer#send} answers it
         * @param data the decrypted payload
         * @throws IOException to drop the peer (the message becomes its close reason)
         */
        void onMessage(Peer peer, byte[] data) throws IOException;

        /**
         * The peer is gone: {@code reason} says why (its close_notify, idle, handshake timeout, a
         * failure, or the server closing).
         */
        default void onClosed(Peer peer, String reason) {
        }
    }

    /** @return a builder for a server over {@code context} (a DTLS context, already initialised) */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /** Settings of a {@link DtlsServer}. */
    public static final class Builder {
        private final SSLContext context;
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
        private int maxPeers = 1_000;
        private int threads = 4;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private int maximumPacketSize;

        private Builder(SSLContext context) {
            this.context = Objects.requireNonNull(context, "context");
            if (!context.getProtocol().startsWith("DTLS")) {
                throw new IllegalArgumentException("DtlsServer needs a DTLS SSLContext, not " + context.getProtocol()
                        + ": use SSLContext.getInstance(\"DTLS\", \"SAEF\")");
            }
            if (!(context.createSSLEngine() instanceof SaefDtlsEngine)) {
                throw new IllegalArgumentException("DtlsServer needs SAEF's DTLS SSLContext (its stateless cookie"
                        + " check), not one of provider " + context.getProvider().getName()
                        + ": use SSLContext.getInstance(\"DTLS\", \"SAEF\")");
            }
        }

        /** @return this; the local address to listen on (default 127.0.0.1, any free port) */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** @return this; peers served at once, default 1000 */
        public Builder maxPeers(int n) {
            this.maxPeers = positive(n, "maxPeers");
            return this;
        }

        /** @return this; threads for handshakes and datagram processing, default 4 */
        public Builder threads(int n) {
            this.threads = positive(n, "threads");
            return this;
        }

        /** @return this; an established peer silent this long is removed (default 5 min) */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idleTimeout");
            return this;
        }

        /** @return this; a peer whose handshake is not complete after this long is removed (default 30 s) */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = positive(d, "handshakeTimeout");
            return this;
        }

        /**
         * @param n {@code SSLParameters.setMaximumPacketSize} of every engine: 0 for the engine's default,
         *     else {@link DtlsClient#MIN_PACKET_SIZE} to {@link DtlsClient#MAX_PACKET_SIZE}
         * @return this
         * @throws IllegalArgumentException for any other value, naming the range
         */
        public Builder maximumPacketSize(int n) {
            DtlsClient.checkPacketSize(n);
            this.maximumPacketSize = n;
            return this;
        }

        /**
         * Binds the channel and starts serving.
         *
         * @throws IOException when the address cannot be bound
         */
        public DtlsServer start(Handler handler) throws IOException {
            return new DtlsServer(this, Objects.requireNonNull(handler, "handler"));
        }

        private static int positive(int n, String name) {
            if (n < 1) {
                throw new IllegalArgumentException(name + " must be 1 or more, not " + n);
            }
            return n;
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, not " + d);
            }
            return d;
        }
    }

    private final SSLContext context;
    private final StatelessHelloCheck hellos;
    private final Handler handler;
    private final DatagramChannel channel;
    private final InetSocketAddress local;
    private final int maxPeers;
    private final int maximumPacketSize;
    private final long idleNanos;
    private final long handshakeNanos;
    private final Map<SocketAddress, Peer> peers = new ConcurrentHashMap<>();
    /** RFC 9146: peers by the connection ID their records carry (established peers with an ID only). */
    private final Map<ByteBuffer, Peer> byConnectionId = new ConcurrentHashMap<>();
    /** The length of this server's connection IDs (one context, one length), 0 until a peer has one. */
    private volatile int connectionIdLength;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Thread receiver;
    private final AtomicInteger peerNumbers = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong helloVerifyRequests = new AtomicLong();
    /** Guards the links between a peer and the new handshake from its address (RFC 6347 section 4.2.8). */
    private final Object restarts = new Object();
    private volatile boolean closed;

    private DtlsServer(Builder b, Handler handler) throws IOException {
        this.context = b.context;
        this.hellos = new StatelessHelloCheck(((SaefDtlsEngine) b.context.createSSLEngine()).context().dtls());
        this.handler = handler;
        this.maxPeers = b.maxPeers;
        this.maximumPacketSize = b.maximumPacketSize;
        this.idleNanos = b.idleTimeout.toNanos();
        this.handshakeNanos = b.handshakeTimeout.toNanos();
        this.channel = DatagramChannel.open();
        try {
            channel.bind(b.bind);
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot listen on UDP " + b.bind + ": " + e.getMessage(), e);
        }
        this.local = (InetSocketAddress) channel.getLocalAddress();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(b.threads, r -> daemon(r, "saef-dtls-server-" + n.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "saef-dtls-server-timer"));
        long tick = Math.max(20, Math.min(250, Math.min(b.idleTimeout.toMillis(), b.handshakeTimeout.toMillis()) / 4));
        timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        this.receiver = daemon(this::receive, "saef-dtls-server-receiver");
        receiver.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** @return the address the server listens on (with the port chosen when it was 0) */
    public InetSocketAddress localAddress() {
        return local;
    }

    /**
     * @return peers currently known (handshaking or established), not counting a new handshake running
     *     beside an established peer from the same address (RFC 6347 section 4.2.8)
     */
    public int peerCount() {
        return peers.size();
    }

    /** @return datagrams dropped because of the peer limit or a full per-peer queue */
    public long droppedDatagrams() {
        return dropped.get();
    }

    /**
     * @return HelloVerifyRequests sent statelessly to ClientHellos without a valid cookie (RFC 6347
     *     section 4.2.1), none of which created a peer
     */
    public long helloVerifyRequests() {
        return helloVerifyRequests.get();
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    private void receive() {
        ByteBuffer buf = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (!closed) {
            SocketAddress from;
            try {
                buf.clear();
                from = channel.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue; // e.g. an ICMP port unreachable reported on this socket
            }
            if (from == null) {
                continue;
            }
            buf.flip();
            byte[] datagram = new byte[buf.remaining()];
            buf.get(datagram);
            InetSocketAddress source = (InetSocketAddress) from;
            Peer p = byConnectionId(datagram);
            boolean byId = p != null;
            if (p == null) {
                p = peers.get(from);
            }
            if (p == null) {
                if (!isInitialClientHello(datagram) || !cookieValid(source, datagram)) {
                    continue; // a late record of a peer already gone, noise, or answered statelessly
                }
                if (peers.size() >= maxPeers) {
                    dropped.incrementAndGet();
                    continue;
                }
                try {
                    p = newPeer(source, datagram);
                } catch (RuntimeException e) {
                    dropped.incrementAndGet();
                    continue;
                }
                peers.put(from, p);
            } else if (!byId && isInitialClientHello(datagram) && !p.sameHello(datagram)) {
                restart(p, source, datagram);
                continue;
            } else if (!byId && p.successor != null) {
                Peer next = p.successor;
                if (next != null) {
                    duringRestart(p, next, source, datagram);
                    continue;
                }
            }
            p.received(new Inbound(datagram, source));
        }
    }

    /**
     * RFC 6347 section 4.2.8: a ClientHello of a new handshake (epoch 0, another client random) from the
     * address of peer {@code p}, say a device that rebooted and kept its port. Without a valid cookie it
     * is answered statelessly with a HelloVerifyRequest and nothing is kept, so that a sender who can
     * spoof the address but not receive there cannot touch {@code p}. With a valid cookie a new peer
     * starts its handshake beside {@code p}, which keeps working until the new handshake completes
     * ({@link Peer#process}) and is then replaced; a new handshake that fails or times out leaves
     * {@code p} as it was. A peer whose own handshake has not completed holds no association yet: it is
     * replaced at once.
     */
    private void restart(Peer p, InetSocketAddress from, byte[] datagram) {
        Peer next = p.successor;
        if (next != null && next.sameHello(datagram)) {
            next.received(new Inbound(datagram, from)); // the new handshake's ClientHello again (a retransmission)
            return;
        }
        if (!cookieValid(from, datagram)) {
            return; // answered statelessly: the established peer is untouched
        }
        Peer fresh;
        try {
            fresh = newPeer(from, datagram);
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            return;
        }
        if (!p.connected) {
            peers.put(from, fresh);
            p.end("replaced by peer #" + fresh.number + ": the client started a new handshake before this one completed",
                    false);
        } else {
            Peer older = null;
            boolean orphan;
            synchronized (restarts) {
                orphan = p.ended; // ended meanwhile (idle, close_notify): nothing to keep beside
                if (!orphan) {
                    older = p.successor;
                    if (older != null) {
                        older.predecessor = null;
                    }
                    fresh.predecessor = p;
                    p.successor = fresh;
                }
            }
            if (orphan && peers.putIfAbsent(from, fresh) != null) {
                fresh.end("dropped: its address went to another peer", false);
                return;
            }
            if (older != null) {
                older.end("replaced by peer #" + fresh.number + ": a newer handshake from the same address", false);
            }
        }
        fresh.received(new Inbound(datagram, from));
    }

    /**
     * A datagram from the address of peer {@code old} while its client's new handshake ({@code next})
     * runs, that is not a ClientHello and carries no connection ID of {@code old}: epoch-0 records belong
     * to the new handshake (the old association's handshake is over); a record of a later epoch may be
     * the old association's data or the new handshake's Finished, so both engines get it, and each
     * drops what it cannot authenticate (RFC 6347 section 4.1.2.7).
     */
    private void duringRestart(Peer old, Peer next, InetSocketAddress from, byte[] datagram) {
        boolean epoch0 = datagram.length > 4 && datagram[3] == 0 && datagram[4] == 0;
        if (!epoch0) {
            old.received(new Inbound(datagram.clone(), from));
        }
        next.received(new Inbound(datagram, from));
    }

    /**
     * @return the established peer whose RFC 9146 connection ID the datagram's first record carries, or
     *     null (no connection IDs in use, not a {@code tls12_cid} record, malformed, or an unknown ID)
     */
    private Peer byConnectionId(byte[] datagram) {
        int n = connectionIdLength;
        if (n == 0) {
            return null;
        }
        byte[] id = ConnectionIds.of(datagram, 0, datagram.length, n);
        return id == null ? null : byConnectionId.get(ByteBuffer.wrap(id));
    }

    /**
     * @return whether the datagram starts with an epoch-0 handshake record carrying a ClientHello
     *     (RFC 6347 section 4.1 record header, 4.2.2 handshake header): the only datagram that may
     *     create a peer
     */
    static boolean isInitialClientHello(byte[] d) {
        return d.length > 13 && d[0] == 22 && d[3] == 0 && d[4] == 0 && d[13] == 1;
    }

    /**
     * The stateless cookie exchange (RFC 6347 section 4.2.1) for a ClientHello from an unknown address:
     * no per-peer state, one HMAC, at most one reply no larger than the request.
     *
     * @return true when the ClientHello carries a valid cookie for {@code from}, so a peer may be created
     */
    private boolean cookieValid(InetSocketAddress from, byte[] datagram) {
        byte[] clientId = SaefDtlsEngine.cookieClientId(from.getAddress().getHostAddress(), from.getPort());
        StatelessHelloCheck.Result r = hellos.check(clientId, datagram, 0, datagram.length);
        if (r.verdict() == StatelessHelloCheck.Verdict.ANSWERED) {
            helloVerifyRequests.incrementAndGet();
            send(ByteBuffer.wrap(r.reply()), from);
        }
        return r.verdict() == StatelessHelloCheck.Verdict.COOKIE_VALID;
    }

    private Peer newPeer(InetSocketAddress from, byte[] clientHello) {
        SSLEngine engine = context.createSSLEngine(from.getAddress().getHostAddress(), from.getPort());
        engine.setUseClientMode(false);
        if (maximumPacketSize > 0) {
            SSLParameters p = engine.getSSLParameters();
            p.setMaximumPacketSize(maximumPacketSize);
            engine.setSSLParameters(p);
        }
        return new Peer(peerNumbers.incrementAndGet(), from, engine, clientRandom(clientHello));
    }

    /** Offset of the client random in a datagram starting with an unfragmented ClientHello record. */
    private static final int CLIENT_RANDOM = 13 + 12 + 2;
    private static final int RANDOM_LENGTH = 32;

    /** @return the client random of a datagram that begins with a ClientHello, or an empty array */
    static byte[] clientRandom(byte[] clientHello) {
        return clientHello.length < CLIENT_RANDOM + RANDOM_LENGTH ? new byte[0]
                : java.util.Arrays.copyOfRange(clientHello, CLIENT_RANDOM, CLIENT_RANDOM + RANDOM_LENGTH);
    }

    /** Timeouts and retransmissions, on the timer thread; the work itself runs on the peer's queue. */
    private void tick() {
        long now = System.nanoTime();
        for (Peer p : peers.values()) {
            p.checkTimers(now);
            Peer next = p.successor;
            if (next != null) {
                next.checkTimers(now);
            }
        }
    }

    private void send(ByteBuffer datagram, SocketAddress to) {
        if (!datagram.hasRemaining()) {
            return;
        }
        try {
            channel.send(datagram, to);
        } catch (IOException e) {
            // UDP: a lost datagram; the peer retransmits or times out
        }
    }

    /** Stops the server: close_notify to every peer, then the threads and the channel. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        for (Peer p : peers.values()) {
            Peer next = p.successor;
            if (next != null) {
                next.end("the server closed", false);
            }
            p.end("the server closed", true);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A received datagram and its source address. */
    private record Inbound(byte[] datagram, InetSocketAddress from) {
    }

    /** Marks a retransmission request in a peer's queue. */
    private static final Inbound RETRANSMIT = new Inbound(new byte[0], null);

    /**
     * One peer of the server: its address, its engine and its session. {@link #send} answers it; it can
     * be used from any thread.
     */
    public final class Peer {
        private final int number;
        private volatile InetSocketAddress address;
        private final SSLEngine engine;
        /** RFC 9146: the connection ID this peer is found by, or null. */
        private ByteBuffer connectionId;
        private final ArrayDeque<Inbound> inbox = new ArrayDeque<>();
        private final long created = System.nanoTime();
        private boolean scheduled;
        private volatile boolean connected;
        private volatile boolean ended;
        private volatile long lastReceived = created;
        private volatile long nextRetransmit = Long.MAX_VALUE;
        private long retransmitMillis = FIRST_RETRANSMIT_MILLIS;
        /** The client random of the ClientHello that created this peer: its retransmissions are no restart. */
        private final byte[] helloRandom;
        /** RFC 6347 section 4.2.8: the new handshake from this established peer's address, or null. */
        private volatile Peer successor;
        /** Of a new handshake: the established peer it replaces once complete, or null. */
        private volatile Peer predecessor;

        private Peer(int number, InetSocketAddress address, SSLEngine engine, byte[] helloRandom) {
            this.number = number;
            this.address = address;
            this.engine = engine;
            this.helloRandom = helloRandom;
        }

        /** @return whether {@code clientHello} carries the client random of the handshake that made this peer */
        private boolean sameHello(byte[] clientHello) {
            return helloRandom.length == RANDOM_LENGTH && clientHello.length >= CLIENT_RANDOM + RANDOM_LENGTH
                    && java.util.Arrays.equals(clientHello, CLIENT_RANDOM, CLIENT_RANDOM + RANDOM_LENGTH, helloRandom, 0,
                            RANDOM_LENGTH);
        }

        /** @return the peer's number in this server (1, 2, ...: in order of first datagram) */
        public int number() {
            return number;
        }

        /**
         * @return the peer's address and port: where the server sends. With RFC 9146 connection IDs it
         *     follows the client when a record from a new address authenticates; the session's
         *     {@code getPeerHost()}/{@code getPeerPort()} keep the address of the handshake.
         */
        public InetSocketAddress address() {
            return address;
        }

        /** @return the DTLS session (a null session before the handshake completed) */
        public SSLSession session() {
            return engine.getSession();
        }

        /**
         * @return the identity the handshake bound the peer to
         * @throws SSLPeerUnverifiedException before the handshake completed
         */
        public Principal principal() throws SSLPeerUnverifiedException {
            return engine.getSession().getPeerPrincipal();
        }

        /** @return whether the handshake completed and the peer has not gone */
        public boolean isConnected() {
            return connected && !ended;
        }

        /**
         * Sends {@code data} to the peer, protected; one datagram per record (a payload larger than a
         * record's plaintext limit is split).
         *
         * @throws SSLException when the peer is not connected or the engine failed
         */
        public void send(byte[] data) throws IOException {
            if (!connected || ended) {
                throw new SSLException("DTLS peer " + describe() + " is not connected");
            }
            ByteBuffer src = ByteBuffer.wrap(data);
            int size = engine.getSession().getPacketBufferSize();
            do {
                ByteBuffer net = ByteBuffer.allocate(size);
                SSLEngineResult r = engine.wrap(src, net);
                if (r.getStatus() != Status.OK) {
                    throw new SSLException("DTLS peer " + describe() + ": cannot send (" + r.getStatus() + ")");
                }
                net.flip();
                DtlsServer.this.send(net, address);
                if (r.bytesConsumed() == 0 && src.hasRemaining() && r.bytesProduced() == 0) {
                    throw new SSLException("DTLS peer " + describe() + ": the engine took no data");
                }
            } while (src.hasRemaining());
        }

        @Override
        public String toString() {
            return "#" + number + " " + describe();
        }

        private String describe() {
            return address.getAddress().getHostAddress() + ":" + address.getPort();
        }

        private void received(Inbound datagram) {
            if (!connected) {
                lastReceived = System.nanoTime();
                retransmitMillis = FIRST_RETRANSMIT_MILLIS;
                nextRetransmit = lastReceived + TimeUnit.MILLISECONDS.toNanos(retransmitMillis);
            }
            enqueue(datagram);
        }

        private void enqueue(Inbound item) {
            boolean start;
            synchronized (inbox) {
                if (ended) {
                    return;
                }
                if (inbox.size() >= MAX_QUEUED_PER_PEER) {
                    dropped.incrementAndGet();
                    return;
                }
                inbox.add(item);
                start = !scheduled;
                scheduled = true;
            }
            if (start) {
                try {
                    workers.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    synchronized (inbox) {
                        scheduled = false;
                    }
                }
            }
        }

        private void drain() {
            while (true) {
                Inbound item;
                synchronized (inbox) {
                    item = inbox.poll();
                    if (item == null || ended) {
                        scheduled = false;
                        return;
                    }
                }
                try {
                    if (item == RETRANSMIT) {
                        retransmit();
                    } else {
                        process(item);
                    }
                } catch (IOException | RuntimeException e) {
                    end(e.getMessage() != null ? e.getMessage() : e.toString(), false);
                }
            }
        }

        private void process(Inbound in) throws IOException {
            ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            SSLEngineResult r = engine.unwrap(ByteBuffer.wrap(in.datagram()), app);
            boolean newestWithId = ((SaefDtlsEngine) engine).lastUnwrapNewestWithConnectionId();
            if (newestWithId || app.position() > 0) {
                lastReceived = System.nanoTime(); // authenticated: only the peer itself keeps it from going idle
            }
            if (newestWithId && !in.from().equals(address)) {
                moveTo(in.from());
            }
            boolean finished = r.getHandshakeStatus() == HandshakeStatus.FINISHED;
            if (r.getStatus() == Status.CLOSED) {
                flush();
                end("closed by the client (close_notify)", false);
                return;
            }
            finished |= flush();
            if (finished && !connected) {
                lastReceived = System.nanoTime();
                connected = true;
                nextRetransmit = Long.MAX_VALUE;
                replacePredecessor();
                registerConnectionId();
                handler.onConnected(this);
            }
            if (app.position() > 0) {
                app.flip();
                byte[] data = new byte[app.remaining()];
                app.get(data);
                handler.onMessage(this, data);
            }
        }

        /**
         * Lets the engine finish work on datagrams it has (NEED_UNWRAP_AGAIN) and sends what it has to
         * send (NEED_WRAP). @return whether the handshake reported FINISHED meanwhile
         */
        private boolean flush() throws SSLException {
            boolean finished = false;
            for (int i = 0; i < MAX_STEPS; i++) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                SSLEngineResult r;
                if (hs == HandshakeStatus.NEED_TASK) {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run(); // waits for the engine's handshake thread; a worker thread may block
                    }
                    continue;
                }
                if (hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    r = engine.unwrap(ByteBuffer.allocate(0), ByteBuffer.allocate(0));
                } else if (hs == HandshakeStatus.NEED_WRAP) {
                    r = wrapOne();
                } else {
                    return finished;
                }
                finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
            }
            return finished;
        }

        private SSLEngineResult wrapOne() throws SSLException {
            ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
            net.flip();
            DtlsServer.this.send(net, address);
            return r;
        }

        /**
         * The client has been silent while we wait for its flight: sends what the engine has queued
         * meanwhile (its own retransmission timer's datagrams), or else calls {@code wrap}, which
         * retransmits the last flight.
         */
        private void retransmit() throws SSLException {
            if (connected) {
                return;
            }
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
                wrapOne();
            }
            flush();
        }

        /**
         * RFC 6347 section 4.2.8: this new handshake from an established peer's address completed (the
         * client proved it holds the key and receives there): it takes the address, and the old
         * association is closed (without close_notify, which would reach the new client), its engine and
         * keys released, and the application told ({@link Handler#onClosed}).
         */
        private void replacePredecessor() {
            Peer old;
            synchronized (restarts) {
                old = predecessor;
                predecessor = null;
                if (old != null && old.successor == this) {
                    old.successor = null;
                }
            }
            if (old == null) {
                return;
            }
            peers.put(address, this);
            old.end("replaced by peer #" + number + ": the client at " + describe() + " completed a new handshake"
                    + " (RFC 6347 section 4.2.8)", false);
        }

        /** RFC 9146: once established, the peer is also found by the connection ID its records carry. */
        private void registerConnectionId() {
            byte[] id = ((SaefDtlsEngine) engine).connectionIdReceived();
            if (id == null) {
                return;
            }
            ByteBuffer key = ByteBuffer.wrap(id);
            // random IDs of at least 4 octets: a collision is unlikely; the second peer then goes by address only
            if (byConnectionId.putIfAbsent(key, this) == null) {
                synchronized (inbox) {
                    if (ended) {
                        byConnectionId.remove(key, this);
                        return;
                    }
                    connectionId = key;
                }
                connectionIdLength = id.length;
            }
        }

        /**
         * RFC 9146 section 6: a record from {@code to} authenticated, is the newest, and carried our
         * connection ID: the client's address changed (NAT rebinding), send there from now on.
         */
        private void moveTo(InetSocketAddress to) {
            InetSocketAddress from = address;
            address = to;
            Peer other = peers.put(to, this);
            peers.remove(from, this);
            if (other != null && other != this) {
                other.end("its address " + to.getAddress().getHostAddress() + ":" + to.getPort() + " now belongs to"
                        + " peer #" + number + " (RFC 9146 connection ID)", false);
            }
        }

        private void checkTimers(long now) {
            if (ended) {
                return;
            }
            if (!connected) {
                if (now - created > handshakeNanos) {
                    // counted as a handshake timeout in the context's outcomes (HandshakeStats)
                    ((SaefDtlsEngine) engine).closeOutboundTimedOut("DTLS handshake with " + describe() + " ended by"
                            + " DtlsServer's handshake timeout (" + seconds(handshakeNanos) + ", Builder.handshakeTimeout)");
                    end("dropped: handshake not complete after " + seconds(handshakeNanos), predecessor == null);
                } else if (now >= nextRetransmit) {
                    retransmitMillis = Math.min(retransmitMillis * 2, MAX_RETRANSMIT_MILLIS);
                    nextRetransmit = now + TimeUnit.MILLISECONDS.toNanos(retransmitMillis);
                    enqueue(RETRANSMIT);
                }
            } else if (now - lastReceived > idleNanos) {
                end("dropped: idle for " + seconds(idleNanos), true);
            }
        }

        private String seconds(long nanos) {
            long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
            return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
        }

        /** Removes the peer once; with {@code notify}, sends it a close_notify first (best effort). */
        private void end(String reason, boolean notify) {
            synchronized (inbox) {
                if (ended) {
                    return;
                }
                ended = true;
                inbox.clear();
            }
            peers.remove(address, this);
            Peer next;
            Peer old;
            synchronized (restarts) {
                next = successor;
                successor = null;
                if (next != null) {
                    next.predecessor = null;
                }
                old = predecessor;
                predecessor = null;
                if (old != null && old.successor == this) {
                    old.successor = null; // a new handshake that failed or timed out: the old peer stays as it was
                }
            }
            if (next != null && !next.ended && peers.putIfAbsent(next.address, next) != null) {
                next.end("dropped: its address went to another peer", false);
            }
            ByteBuffer id;
            synchronized (inbox) {
                id = connectionId;
            }
            if (id != null) {
                byConnectionId.remove(id, this);
            }
            if (notify) {
                try {
                    engine.closeOutbound();
                    for (int i = 0; i < MAX_STEPS && !engine.isOutboundDone(); i++) {
                        SSLEngineResult r = wrapOne();
                        if (r.bytesProduced() == 0) {
                            break;
                        }
                    }
                } catch (SSLException | RuntimeException ignored) {
                    // the peer is dropped anyway
                }
            } else {
                engine.closeOutbound();
            }
            try {
                handler.onClosed(this, reason);
            } catch (RuntimeException ignored) {
                // the application's callback failed; the peer is gone regardless
            }
        }
    }
}
