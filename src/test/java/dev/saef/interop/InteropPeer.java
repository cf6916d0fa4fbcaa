package dev.saef.interop;

import java.util.Optional;

/**
 * A real TLS implementation the interop scenarios run against, driven through its command-line tools
 * ({@link OpenSslPeer}: {@code openssl s_server}/{@code s_client}; {@link GnuTlsPeer}:
 * {@code gnutls-serv}/{@code gnutls-cli}). It starts the peer's TLS server or client for one connection
 * on loopback with exactly one suite and one PSK identity, and checks the peer's own report of what
 * happened, in the tool's words. Everything it starts is handed to the test's resource list and stopped
 * after each test. {@link InteropScenarios} holds the SAEF side and the scenario matrix.
 */
interface InteropPeer {

    /** The peer as TLS server: its process and the 127.0.0.1 port it listens on. */
    record Server(PeerProcess process, int port) {
    }

    /**
     * One run of the peer's TLS client.
     *
     * @param exitCode its exit status
     * @param echoed whether the line it sent came back from the SAEF echo server (false if none was sent)
     */
    record ClientRun(PeerProcess process, int exitCode, boolean echoed) {
    }

    /** How the peer refused a handshake, as it reports it. */
    enum Refusal {
        /** Peer server: the client's Finished failed verification (a different Kpsa, or an unknown KpsaID hidden). */
        FINISHED_FAILED,
        /** Peer server: no suite in common with the client. */
        NO_SHARED_SUITE,
        /** Peer client: received alert bad_record_mac. */
        GOT_BAD_RECORD_MAC,
        /** Peer client: received alert unknown_psk_identity. */
        GOT_UNKNOWN_PSK_IDENTITY,
        /** Peer client: received alert handshake_failure. */
        GOT_HANDSHAKE_FAILURE
    }

    /** @return the name in the interop matrix, e.g. {@code OpenSSL} */
    String name();

    /** @return the peer's version, e.g. {@code 3.0.19} */
    String version();

    /** @return the peer's own name of a suite (JSSE name), empty when the peer does not implement it */
    Optional<String> suiteName(String suite);

    /** @return whether the peer can play this scenario at all (not: whether it implements the suite) */
    boolean supports(InteropScenario scenario);

    /** What the peer's server sends back for a line it received (its echo mode). */
    String answer(String line);

    /**
     * Starts the peer's TLS server for one connection on an ephemeral port, allowing only {@code suite},
     * knowing {@code identity} with {@code keyHex}, in echo mode; returns once it accepts connections.
     */
    Server server(String suite, String identity, String keyHex) throws Exception;

    /**
     * Runs the peer's TLS client against 127.0.0.1:{@code port}, offering only {@code suite}, as
     * {@code identity} with {@code keyHex}. With {@code sendLine} it sends one line, waits for it to come
     * back and then closes (close_notify); without, it closes its input at once (for failing handshakes).
     * Returns once the client has exited.
     */
    ClientRun client(int port, String suite, String identity, String keyHex, boolean sendLine) throws Exception;

    /**
     * Waits until the server has reported its one connection, then checks it reports a completed TLS 1.2
     * handshake with the scenario's suite and {@code identity}, and the extended master secret.
     */
    void assertServerCompleted(Server server, InteropScenario scenario, String identity) throws Exception;

    /** Waits until the server has reported its one connection, then checks it refused it as {@code refusal}. */
    void assertServerRefused(Server server, Refusal refusal) throws Exception;

    /**
     * Checks the client's report of a completed handshake with the scenario's suite and {@code identity}
     * (and, where the data came back, the extended master secret and a clean exit).
     *
     * @param saefSide the SAEF server's outcome of the same connection
     * @return a note when the run shows a known bug of the peer instead (recorded as peer-bug in the
     *     matrix), empty otherwise
     */
    Optional<String> assertClientCompleted(ClientRun run, InteropScenario scenario, String identity,
            SaefEchoServer.Outcome saefSide);

    /** Checks the client reports the handshake refused as {@code refusal} and failed. */
    void assertClientRefused(ClientRun run, Refusal refusal);
}
