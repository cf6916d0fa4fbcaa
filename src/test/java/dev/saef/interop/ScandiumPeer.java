package dev.saef.interop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.ExtendedMasterSecretMode;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * Eclipse Californium's Scandium ({@code org.eclipse.californium:scandium} 3.14.0, test scope) as a
 * DTLS 1.2 PSK peer in the same JVM: a {@link DTLSConnector} on 127.0.0.1 with an
 * {@link AdvancedSinglePskStore} (the one KpsaID and Kpsa), the extended master secret
 * <b>required</b> (RFC 7627; so a pass also proves SAEF negotiated it), non-recommended suites (CBC)
 * allowed, HelloVerifyRequest on, and retransmission after {@code retransmitMillis}. A server echoes
 * every datagram; a client hands what it receives to {@link #received}.
 */
final class ScandiumPeer implements AutoCloseable {

    static final String VERSION = "3.14.0";

    final DTLSConnector connector;
    /** Datagrams received (a client's echoes; a server's requests, after it echoed them). */
    final BlockingQueue<RawData> received = new LinkedBlockingQueue<>();

    private ScandiumPeer(DTLSConnector connector) {
        this.connector = connector;
    }

    /** @return Scandium's suite with this IANA/JSSE code point, if Scandium implements it here */
    static Optional<CipherSuite> suite(int code) {
        return Arrays.stream(CipherSuite.values())
                .filter(s -> s.getCode() == code && s.isSupported() && s.isPskBased())
                .findFirst();
    }

    /** A Scandium server for {@code suites} that echoes every datagram back to its sender. */
    static ScandiumPeer server(List<CipherSuite> suites, int mtu, int retransmitMillis) throws Exception {
        return server(suites, mtu, retransmitMillis, 0);
    }

    /**
     * As {@link #server(List, int, int)}, with RFC 9146 connection IDs of {@code cidLength} octets
     * ({@link #withConnectionIds}) when above 0.
     */
    static ScandiumPeer server(List<CipherSuite> suites, int mtu, int retransmitMillis, int cidLength)
            throws Exception {
        DTLSConnector c = new DTLSConnector(withConnectionIds(config(DtlsConfig.DtlsRole.SERVER_ONLY, suites, mtu,
                retransmitMillis), cidLength).setLoggingTag("scandium-server").build());
        ScandiumPeer p = new ScandiumPeer(c);
        c.setRawDataReceiver(raw -> {
            p.received.add(raw);
            c.send(RawData.outbound(raw.getBytes(), raw.getEndpointContext(), null, false));
        });
        c.start();
        return p;
    }

    /** A Scandium client offering only {@code suite}; {@link #send} starts its handshake. */
    static ScandiumPeer client(CipherSuite suite, int mtu, int retransmitMillis) throws Exception {
        return client(suite, mtu, retransmitMillis, 0);
    }

    /**
     * As {@link #client(CipherSuite, int, int)}, with RFC 9146 connection IDs of {@code cidLength}
     * octets ({@link #withConnectionIds}) when above 0.
     */
    static ScandiumPeer client(CipherSuite suite, int mtu, int retransmitMillis, int cidLength) throws Exception {
        DTLSConnector c = new DTLSConnector(withConnectionIds(config(DtlsConfig.DtlsRole.CLIENT_ONLY, List.of(suite),
                mtu, retransmitMillis), cidLength).setLoggingTag("scandium-client").build());
        ScandiumPeer p = new ScandiumPeer(c);
        c.setRawDataReceiver(p.received::add);
        c.start();
        return p;
    }

    private static DtlsConnectorConfig.Builder config(DtlsConfig.DtlsRole role, List<CipherSuite> suites, int mtu,
            int retransmitMillis) {
        DtlsConfig.register();
        Configuration cfg = new Configuration();
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(cfg)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, role)
                .set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false)
                .set(DtlsConfig.DTLS_EXTENDED_MASTER_SECRET_MODE, ExtendedMasterSecretMode.REQUIRED)
                .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST, true)
                .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST_FOR_PSK, true)
                .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, retransmitMillis, TimeUnit.MILLISECONDS)
                .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
                .set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1)
                .setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suites.toArray(new CipherSuite[0]))
                .setAdvancedPskStore(new AdvancedSinglePskStore(DtlsInterop.KPSA, DtlsInterop.key()));
        if (mtu > 0) {
            b.set(DtlsConfig.DTLS_MAX_TRANSMISSION_UNIT, mtu);
        }
        return b;
    }

    /**
     * RFC 9146 connection IDs: Scandium offers and accepts the {@code connection_id} extension and uses
     * {@code cidLength}-octet IDs for the records it receives. Set explicitly to the RFC code point:
     * {@code DTLS_USE_DEPRECATED_CID} unset (a client would otherwise send the draft's code point 53)
     * and {@code DTLS_SUPPORT_DEPRECATED_CID} off (a server would also answer code 53); a peer's
     * address is updated from newer records carrying the ID (RFC 9146 section 6).
     */
    @SuppressWarnings("deprecation")
    private static DtlsConnectorConfig.Builder withConnectionIds(DtlsConnectorConfig.Builder b, int cidLength) {
        if (cidLength <= 0) {
            return b;
        }
        return b.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, cidLength)
                .set(DtlsConfig.DTLS_USE_DEPRECATED_CID, null)
                .set(DtlsConfig.DTLS_SUPPORT_DEPRECATED_CID, false)
                .set(DtlsConfig.DTLS_UPDATE_ADDRESS_USING_CID_ON_NEWER_RECORDS, true);
    }

    /** @return the address the connector is bound to */
    InetSocketAddress address() {
        return connector.getAddress();
    }

    /** Sends one datagram of application data to {@code to} (a client connects first). */
    void send(byte[] data, InetSocketAddress to) {
        connector.send(RawData.outbound(data, new AddressEndpointContext(to), null, false));
    }

    /**
     * Sends one datagram of application data to {@code to} (a client connects first).
     *
     * @return set once Scandium has sent it (after its handshake) or given up on it
     */
    AtomicBoolean sendTracked(byte[] data, InetSocketAddress to) {
        AtomicBoolean settled = new AtomicBoolean();
        connector.send(RawData.outbound(data, new AddressEndpointContext(to), new MessageCallback() {
            @Override
            public void onConnecting() {
            }

            @Override
            public void onDtlsRetransmission(int flight) {
            }

            @Override
            public void onContextEstablished(EndpointContext context) {
            }

            @Override
            public void onSent() {
                settled.set(true);
            }

            @Override
            public void onError(Throwable error) {
                settled.set(true);
            }
        }, false));
        return settled;
    }

    /** @return the next datagram received within {@code millis}, or null */
    RawData poll(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** @return the suite of the DTLS session a received datagram came over, as Scandium names it */
    static String cipherOf(RawData raw) {
        return raw.getEndpointContext().get(DtlsEndpointContext.KEY_CIPHER);
    }

    @Override
    public void close() {
        connector.destroy();
    }
}
