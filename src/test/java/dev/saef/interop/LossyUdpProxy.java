package dev.saef.interop;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP proxy on 127.0.0.1 between DTLS clients and one server that makes the link lossy: it drops,
 * duplicates, reorders and delays datagrams, splits datagrams holding several DTLS records into one
 * datagram per record (RFC 6347 section 4.1.1 allows both forms, so the receiver must handle either),
 * and drops every datagram larger than the MTU (a path of MTU {@link Impairments#mtu}: an endpoint that
 * does not fragment its flights to fit never completes). Optionally it drops the first datagram of each
 * client's flow that carries a given epoch-0 handshake message, so that both sides must retransmit.
 *
 * <p>Each client address gets its own upstream socket, so the server sees one address per client.
 * Randomness is seeded (a fixed seed by default; {@code -Dsaef.lossy.seed=N} replays a run,
 * {@code -Dsaef.lossy.seed=random} draws a fresh one) and the
 * seed is printed to the test output. Counters per direction, including how many epoch-0 handshake
 * fragments an endpoint sent more than once (its retransmissions; the proxy's own duplicates are not
 * counted) and how many records it sent again with a record number (epoch and sequence number) it had
 * already used ({@code resentRecords}: copies of datagrams already sent, which a receiver that got the
 * original discards as replays, RFC 6347 section 4.1.2.6), are in {@link #stats()};
 * {@code -Dsaef.lossy.trace=true} prints every datagram.
 */
final class LossyUdpProxy implements AutoCloseable {

    /** Which way a datagram travels. */
    enum Direction {
        TO_SERVER, TO_CLIENT
    }

    /**
     * How bad the link is: probabilities per datagram (0..1), the largest extra delay, the MTU.
     *
     * @param drop probability of losing a datagram
     * @param duplicate probability of delivering it twice
     * @param reorder probability of holding it back until after the next datagram of that direction
     * @param split probability of splitting a multi-record datagram into one datagram per record
     * @param maxDelayMillis each datagram is delayed by 0..this (which reorders too)
     * @param mtu datagrams larger than this are dropped
     */
    record Impairments(double drop, double duplicate, double reorder, double split, int maxDelayMillis, int mtu) {
    }

    /** Counters of one direction. */
    static final class Counters {
        final AtomicLong received = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong forcedDrops = new AtomicLong();
        final AtomicLong oversize = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
        final AtomicLong reordered = new AtomicLong();
        final AtomicLong split = new AtomicLong();
        final AtomicLong retransmittedFragments = new AtomicLong();
        final AtomicLong resentRecords = new AtomicLong();

        @Override
        public String toString() {
            return "received=" + received + " dropped=" + dropped + " forcedDrops=" + forcedDrops + " oversize="
                    + oversize + " duplicated=" + duplicated + " reordered=" + reordered + " split=" + split
                    + " retransmittedHandshakeFragments=" + retransmittedFragments + " resentRecords=" + resentRecords;
        }
    }

    private static final int RECORD_HEADER = 13;
    private static final int HANDSHAKE = 22;
    /** {@code -Dsaef.lossy.trace=true}: print every datagram the proxy receives (time, records, fragments). */
    private static final boolean TRACE = Boolean.getBoolean("saef.lossy.trace");

    private final InetSocketAddress server;
    private final Impairments impairments;
    private final long seed;
    private final Random random;
    private final DatagramSocket front;
    private final Map<SocketAddress, Flow> flows = new ConcurrentHashMap<>();
    private final Map<Direction, Counters> counters = new EnumMap<>(Direction.class);
    private final Map<Direction, byte[]> held = new EnumMap<>(Direction.class);
    private final ScheduledExecutorService timer;
    private final Thread frontReader;
    private volatile int forcedDropType = -1;
    private volatile Direction forcedDropDirection;
    private volatile boolean closed;

    /** One client's flow: its upstream socket and what it has seen. */
    private final class Flow {
        final SocketAddress client;
        final DatagramSocket upstream;
        final Set<String> seenFromClient = new HashSet<>();
        final Set<String> seenFromServer = new HashSet<>();
        final Set<String> recordsFromClient = new HashSet<>();
        final Set<String> recordsFromServer = new HashSet<>();
        boolean forcedDropDone;

        Flow(SocketAddress client) throws SocketException {
            this.client = client;
            this.upstream = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::readServer, "lossy-proxy-upstream-" + upstream.getLocalPort());
            t.setDaemon(true);
            t.start();
        }

        private void readServer() {
            byte[] buf = new byte[65_535];
            while (!closed) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    upstream.receive(p);
                } catch (IOException e) {
                    return;
                }
                byte[] d = java.util.Arrays.copyOf(p.getData(), p.getLength());
                impair(this, Direction.TO_CLIENT, d);
            }
        }
    }

    /**
     * Starts a proxy in front of {@code server}.
     *
     * @param seed the random seed (printed), see {@link #seedFromProperty()}
     */
    LossyUdpProxy(InetSocketAddress server, Impairments impairments, long seed) throws SocketException {
        this.server = server;
        this.impairments = impairments;
        this.seed = seed;
        this.random = new Random(seed);
        for (Direction d : Direction.values()) {
            counters.put(d, new Counters());
        }
        this.front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lossy-proxy-timer");
            t.setDaemon(true);
            return t;
        });
        this.frontReader = new Thread(this::readClients, "lossy-proxy-front");
        frontReader.setDaemon(true);
        frontReader.start();
        System.out.println("LossyUdpProxy seed=" + seed + " (-Dsaef.lossy.seed=" + seed + " replays it) " + impairments
                + " in front of " + server);
    }

    /**
     * The seed of a regular run: fixed, so that the loss pattern (decided per datagram) is the same in
     * every run; the datagrams themselves still depend on timing and retransmission timers.
     */
    static final long DEFAULT_SEED = 20261203L;

    /**
     * @return {@code saef.lossy.seed} when set ({@code random}: a fresh seed, to explore), else
     *     {@link #DEFAULT_SEED}
     */
    static long seedFromProperty() {
        String s = System.getProperty("saef.lossy.seed");
        if (s == null) {
            return DEFAULT_SEED;
        }
        return s.trim().equalsIgnoreCase("random") ? new Random().nextLong() : Long.parseLong(s.trim());
    }

    /** @return the seed this proxy uses */
    long seed() {
        return seed;
    }

    /**
     * Drops, in each client's flow, the first datagram going {@code direction} that carries an epoch-0
     * handshake message of {@code type} (e.g. 2, ServerHello): the receiver never sees that flight
     * complete, so the sender must retransmit it and the receiver its own previous flight.
     */
    LossyUdpProxy dropFirst(Direction direction, int type) {
        this.forcedDropDirection = direction;
        this.forcedDropType = type;
        return this;
    }

    /** @return the port clients send to */
    int port() {
        return front.getLocalPort();
    }

    /** @return the counters of one direction */
    Counters stats(Direction d) {
        return counters.get(d);
    }

    /** @return both directions' counters, for messages */
    String stats() {
        return "seed=" + seed + " to-server{" + counters.get(Direction.TO_SERVER) + "} to-client{"
                + counters.get(Direction.TO_CLIENT) + "}";
    }

    private void readClients() {
        byte[] buf = new byte[65_535];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                front.receive(p);
            } catch (IOException e) {
                return;
            }
            byte[] d = java.util.Arrays.copyOf(p.getData(), p.getLength());
            Flow f = flows.computeIfAbsent(p.getSocketAddress(), a -> {
                try {
                    return new Flow(a);
                } catch (SocketException e) {
                    return null;
                }
            });
            if (f != null) {
                impair(f, Direction.TO_SERVER, d);
            }
        }
    }

    /** The epoch-0 handshake fragments of a datagram, as {@code type/message_seq/fragment_offset} keys. */
    private static List<String> handshakeFragments(byte[] d) {
        List<String> keys = new ArrayList<>();
        for (int[] r : records(d)) {
            int off = r[0];
            boolean epoch0 = d[off + 3] == 0 && d[off + 4] == 0;
            if (d[off] == HANDSHAKE && epoch0 && r[1] >= RECORD_HEADER + 12) {
                int h = off + RECORD_HEADER;
                int type = d[h] & 0xff;
                int seq = ((d[h + 4] & 0xff) << 8) | (d[h + 5] & 0xff);
                int fragOffset = ((d[h + 6] & 0xff) << 16) | ((d[h + 7] & 0xff) << 8) | (d[h + 8] & 0xff);
                keys.add(type + "/" + seq + "/" + fragOffset);
            }
        }
        return keys;
    }

    /** The records of a datagram as {@code epoch/sequence_number} keys (a malformed tail has none). */
    private static List<String> recordNumbers(byte[] d) {
        List<String> keys = new ArrayList<>();
        for (int[] r : records(d)) {
            if (r[1] >= RECORD_HEADER) {
                int epoch = ((d[r[0] + 3] & 0xff) << 8) | (d[r[0] + 4] & 0xff);
                long seq = 0;
                for (int i = 5; i < 11; i++) {
                    seq = (seq << 8) | (d[r[0] + i] & 0xff);
                }
                keys.add(epoch + "/" + seq);
            }
        }
        return keys;
    }

    /** @return the records of a datagram as {offset, length} (a malformed tail is one last piece) */
    private static List<int[]> records(byte[] d) {
        List<int[]> out = new ArrayList<>();
        int off = 0;
        while (off < d.length) {
            if (d.length - off < RECORD_HEADER) {
                out.add(new int[] {off, d.length - off});
                break;
            }
            int len = RECORD_HEADER + (((d[off + 11] & 0xff) << 8) | (d[off + 12] & 0xff));
            len = Math.min(len, d.length - off);
            out.add(new int[] {off, len});
            off += len;
        }
        return out;
    }

    private void impair(Flow flow, Direction dir, byte[] d) {
        Counters c = counters.get(dir);
        c.received.incrementAndGet();
        if (d.length > impairments.mtu()) {
            c.oversize.incrementAndGet();
            return;
        }
        List<String> fragments = handshakeFragments(d);
        List<String> recordNumbers = recordNumbers(d);
        if (TRACE) {
            System.out.println("LossyUdpProxy " + System.nanoTime() / 1_000_000 + " ms " + dir + " " + d.length
                    + " octets, records (epoch/seq) " + recordNumbers + ", epoch-0 handshake " + fragments);
        }
        List<byte[]> out = new ArrayList<>();
        synchronized (this) {
            Set<String> seen = dir == Direction.TO_SERVER ? flow.seenFromClient : flow.seenFromServer;
            for (String k : fragments) {
                if (!seen.add(k)) {
                    c.retransmittedFragments.incrementAndGet();
                }
            }
            Set<String> sent = dir == Direction.TO_SERVER ? flow.recordsFromClient : flow.recordsFromServer;
            for (String k : recordNumbers) {
                if (!sent.add(k)) {
                    c.resentRecords.incrementAndGet();
                }
            }
            if (!flow.forcedDropDone && dir == forcedDropDirection
                    && fragments.stream().anyMatch(k -> k.startsWith(forcedDropType + "/"))) {
                flow.forcedDropDone = true;
                c.forcedDrops.incrementAndGet();
                return;
            }
            if (random.nextDouble() < impairments.drop()) {
                c.dropped.incrementAndGet();
                return;
            }
            List<int[]> recs = records(d);
            if (recs.size() > 1 && random.nextDouble() < impairments.split()) {
                c.split.incrementAndGet();
                for (int[] r : recs) {
                    out.add(java.util.Arrays.copyOfRange(d, r[0], r[0] + r[1]));
                }
            } else {
                out.add(d);
            }
            List<byte[]> copies = new ArrayList<>();
            for (byte[] o : out) {
                copies.add(o);
                if (random.nextDouble() < impairments.duplicate()) {
                    c.duplicated.incrementAndGet();
                    copies.add(o);
                }
            }
            for (byte[] o : copies) {
                long delay = impairments.maxDelayMillis() == 0 ? 0 : random.nextInt(impairments.maxDelayMillis() + 1);
                byte[] before = held.remove(dir);
                if (before == null && random.nextDouble() < impairments.reorder()) {
                    c.reordered.incrementAndGet();
                    held.put(dir, o); // goes out after the next datagram of this direction, or within 50 ms
                    schedule(() -> {
                        synchronized (this) {
                            if (held.get(dir) == o) {
                                held.remove(dir);
                                send(flow, dir, o);
                            }
                        }
                    }, 50);
                    continue;
                }
                schedule(() -> {
                    send(flow, dir, o);
                    if (before != null) {
                        send(flow, dir, before);
                    }
                }, delay);
            }
        }
    }

    private void schedule(Runnable r, long delayMillis) {
        if (!closed) {
            try {
                timer.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void send(Flow flow, Direction dir, byte[] d) {
        try {
            if (dir == Direction.TO_SERVER) {
                flow.upstream.send(new DatagramPacket(d, d.length, server));
            } else {
                front.send(new DatagramPacket(d, d.length, flow.client));
            }
        } catch (IOException e) {
            // a lost datagram, like any other here
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        front.close();
        for (Flow f : flows.values()) {
            f.upstream.close();
        }
        try {
            frontReader.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
