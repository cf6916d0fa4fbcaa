package dev.saef.jsse;

import dev.saef.protocol.ConnectionSpec;
import dev.saef.protocol.SaefPolicy;
import dev.saef.protocol.SessionInfo;
import dev.saef.protocol.TlsConnection;
import javax.net.ssl.SSLException;

/**
 * What every engine and socket of one initialised {@code SSLContext} shares: the protocol policy
 * and the session contexts. Immutable.
 */
final class SaefContext {
    private final SaefPolicy policy;
    private final SaefSessionContext clientSessions = new SaefSessionContext();
    private final SaefSessionContext serverSessions = new SaefSessionContext();

    private final java.util.List<dev.saef.profile.CipherSuiteInfo> clientDefaults;
    private final java.util.List<dev.saef.profile.CipherSuiteInfo> serverDefaults;

    SaefContext(SaefPolicy policy) {
        this.policy = policy;
        // The standard JSSE properties narrow the defaults to the PSK suites they name, if any.
        this.clientDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.client.cipherSuites"));
        this.serverDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.server.cipherSuites"));
    }

    SaefPolicy policy() {
        return policy;
    }

    SaefSessionContext clientSessions() {
        return clientSessions;
    }

    SaefSessionContext serverSessions() {
        return serverSessions;
    }

    SaefParameters newParameters(boolean clientMode) {
        return new SaefParameters(policy.profile(), clientDefaults, serverDefaults, clientMode);
    }

    TlsConnection open(ConnectionSpec spec) throws SSLException {
        return TlsConnection.start(policy, spec);
    }

    SaefSSLSession session(SessionInfo info, String host, int port, boolean client) {
        return new SaefSSLSession(info, host, port, client ? clientSessions : serverSessions);
    }
}
