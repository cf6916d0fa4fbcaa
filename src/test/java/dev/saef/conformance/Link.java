package dev.saef.conformance;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * Connects a TLS client and a TLS server in memory and records every byte each sends, so that a test
 * can both drive a real handshake and look at it on the wire ({@link Wire}). An end is a SAEF
 * {@link SSLEngine} (the public JSSE API) or an independent Bouncy Castle peer ({@link BcPeer}).
 */
final class Link {

    /** One end of the connection. Failures are recorded, never thrown, so both sides can be inspected. */
    interface End {
        /** Starts the handshake (a client queues its ClientHello). */
        void begin();

        /** @return the bytes this end wants to send now (possibly none) */
        byte[] produce();

        /** Feeds bytes from the peer. */
        void consume(byte[] data);

        /** @return true once this end completed its handshake */
        boolean handshakeDone();

        /** @return the first failure of this end, or null */
        Throwable failure();

        /** Queues application data for sending. */
        void send(byte[] data);

        /** @return application data received so far, and forgets it */
        byte[] takeReceived();
    }

    final End client;
    final End server;
    final ByteArrayOutputStream clientToServer = new ByteArrayOutputStream();
    final ByteArrayOutputStream serverToClient = new ByteArrayOutputStream();

    Link(End client, End server) {
        this.client = client;
        this.server = server;
    }

    static Link of(End client, End server) {
        return new Link(client, server);
    }

    static Link of(SSLEngine client, SSLEngine server) {
        return new Link(new EngineEnd(client), new EngineEnd(server));
    }

    static Link of(SSLEngine client, End server) {
        return new Link(new EngineEnd(client), server);
    }

    static Link of(End client, SSLEngine server) {
        return new Link(client, new EngineEnd(server));
    }

    /** Runs the handshake until both ends are done or nothing moves any more. */
    Link handshake() {
        client.begin();
        server.begin();
        pump();
        return this;
    }

    /** Moves bytes both ways until nothing moves. */
    Link pump() {
        for (int i = 0; i < 500; i++) {
            boolean moved = false;
            byte[] c = client.produce();
            if (c.length > 0) {
                clientToServer.writeBytes(c);
                server.consume(c);
                moved = true;
            }
            byte[] s = server.produce();
            if (s.length > 0) {
                serverToClient.writeBytes(s);
                client.consume(s);
                moved = true;
            }
            if (!moved) {
                return this;
            }
        }
        throw new IllegalStateException("the connection does not settle");
    }

    boolean bothDone() {
        return client.handshakeDone() && server.handshakeDone();
    }

    /** @return the bytes the client has sent so far */
    byte[] c2s() {
        return clientToServer.toByteArray();
    }

    /** @return the bytes the server has sent so far */
    byte[] s2c() {
        return serverToClient.toByteArray();
    }

    /** Sends data from the client to the server; returns what the server received. */
    byte[] clientSends(byte[] data) {
        client.send(data);
        pump();
        return server.takeReceived();
    }

    /** Sends data from the server to the client; returns what the client received. */
    byte[] serverSends(byte[] data) {
        server.send(data);
        pump();
        return client.takeReceived();
    }

    /** A SAEF (or any JSSE) engine as one end. */
    static final class EngineEnd implements End {
        final SSLEngine engine;
        private ByteBuffer inbound = ByteBuffer.allocate(0);
        private ByteBuffer pendingApp = ByteBuffer.allocate(0);
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private boolean finished;
        private Throwable failure;

        EngineEnd(SSLEngine engine) {
            this.engine = engine;
        }

        @Override
        public void begin() {
            try {
                engine.beginHandshake();
            } catch (SSLException | RuntimeException e) {
                fail(e);
            }
        }

        private void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            }
        }

        private void runTasks() {
            Runnable t;
            while ((t = engine.getDelegatedTask()) != null) {
                t.run();
            }
        }

        @Override
        public byte[] produce() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < 100; i++) {
                if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                HandshakeStatus hs = engine.getHandshakeStatus();
                boolean app = pendingApp.hasRemaining() && finished && !engine.isOutboundDone();
                if (hs != HandshakeStatus.NEED_WRAP && !app) {
                    break;
                }
                ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() + 1024);
                try {
                    SSLEngineResult r = engine.wrap(app ? pendingApp : ByteBuffer.allocate(0), net);
                    finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                    out.write(net.array(), 0, net.position());
                    if (r.bytesProduced() == 0 && r.bytesConsumed() == 0) {
                        break;
                    }
                    if (r.getStatus() == Status.CLOSED && engine.isOutboundDone()) {
                        break;
                    }
                } catch (SSLException | RuntimeException e) {
                    fail(e);
                    if (engine.isOutboundDone()) {
                        break;
                    }
                }
            }
            return out.toByteArray();
        }

        @Override
        public void consume(byte[] data) {
            if (engine.isInboundDone()) {
                return;
            }
            ByteBuffer grown = ByteBuffer.allocate(inbound.remaining() + data.length);
            grown.put(inbound).put(data).flip();
            inbound = grown;
            ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() + 1024);
            for (int i = 0; i < 1000 && inbound.hasRemaining(); i++) {
                try {
                    SSLEngineResult r = engine.unwrap(inbound, app);
                    finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                    if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    if (app.position() > 0) {
                        received.write(app.array(), 0, app.position());
                        app.clear();
                    }
                    if (r.getStatus() == Status.BUFFER_UNDERFLOW || r.getStatus() == Status.CLOSED) {
                        break;
                    }
                    if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                        app = ByteBuffer.allocate(app.capacity() * 2);
                        continue;
                    }
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                            && engine.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
                        break;
                    }
                } catch (SSLException | RuntimeException e) {
                    fail(e);
                    break;
                }
            }
        }

        @Override
        public boolean handshakeDone() {
            return finished;
        }

        @Override
        public Throwable failure() {
            return failure;
        }

        @Override
        public void send(byte[] data) {
            ByteBuffer grown = ByteBuffer.allocate(pendingApp.remaining() + data.length);
            grown.put(pendingApp).put(data).flip();
            pendingApp = grown;
        }

        @Override
        public byte[] takeReceived() {
            byte[] b = received.toByteArray();
            received.reset();
            return b;
        }

        SSLSession session() {
            return engine.getSession();
        }
    }
}
