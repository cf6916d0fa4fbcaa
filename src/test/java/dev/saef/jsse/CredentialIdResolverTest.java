package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefProperties;
import dev.saef.identity.CredentialId;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.CredentialIdResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's Credential-ID resolution hook (TS-0003 clause 8.2.1: Entity B determines the AE-ID or
 * CSE-ID that applies to a Credential-ID): real engine handshakes, the resolver installed among the
 * key managers or named by {@code saef.credentialIdResolver}.
 */
@Timeout(60)
class CredentialIdResolverTest {

    static final String KPSA = "CAE01@in.provider.com";

    /** Used by name through saef.credentialIdResolver. */
    public static final class FixedResolver implements CredentialIdResolver {
        @Override
        public Optional<String> resolve(CredentialId credentialId, KpsaId kpsaId) {
            return Optional.of("/id-in/C-resolved");
        }
    }

    static SSLContext server(String table, CredentialIdResolver resolver) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
        kmf.init(new PskKeyManagerParameters(Peers.config(table)));
        List<KeyManager> km = new ArrayList<>(List.of(kmf.getKeyManagers()));
        if (resolver != null) {
            km.add(0, resolver);
        }
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(km.toArray(new KeyManager[0]), null, null);
        return ctx;
    }

    static EnginePair pair(SSLContext server) throws Exception {
        SSLEngine c = Peers.context(Peers.clientTable(KPSA, "cse.example.net:8443", Peers.KEY_HEX))
                .createSSLEngine("cse.example.net", 8443);
        c.setUseClientMode(true);
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        return new EnginePair(c, s);
    }

    static SaefPrincipal boundPeer(EnginePair p) throws Exception {
        return (SaefPrincipal) p.server.getSession().getPeerPrincipal();
    }

    @Test
    void withoutAResolverTheSessionIsBoundToTheCredentialId() throws Exception {
        EnginePair p = pair(server(Peers.serverTable(KPSA, null, Peers.KEY_HEX), null));
        p.handshake();
        assertEquals("12-" + KPSA, boundPeer(p).getName());
        assertTrue(boundPeer(p).isDerivedFromCredentialId());
    }

    @Test
    void theResolversIdBecomesTheBoundIdentity() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        CredentialIdResolver r = (credentialId, kpsaId) -> {
            calls.add(credentialId + " " + kpsaId.value());
            return Optional.of("/id-in/CAE77");
        };
        EnginePair p = pair(server(Peers.serverTable(KPSA, null, Peers.KEY_HEX), r));
        p.handshake();
        SaefPrincipal peer = boundPeer(p);
        assertEquals("/id-in/CAE77", peer.getName());
        assertFalse(peer.isDerivedFromCredentialId());
        assertEquals(List.of("12-" + KPSA + " " + KPSA), calls);
        assertEquals("12-" + KPSA, peer.credentialId().orElseThrow().toString());
    }

    @Test
    void anEmptyAnswerKeepsTheCredentialIdAndAConfiguredPeerIsNeverResolved() throws Exception {
        EnginePair empty = pair(server(Peers.serverTable(KPSA, null, Peers.KEY_HEX), (c, k) -> Optional.empty()));
        empty.handshake();
        assertEquals("12-" + KPSA, boundPeer(empty).getName());

        CredentialIdResolver never = (c, k) -> {
            throw new AssertionError("called although the association has peer=");
        };
        EnginePair configured = pair(server(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), never));
        configured.handshake();
        assertEquals("CAE01", boundPeer(configured).getName());
    }

    @Test
    void aFailingResolverFailsTheHandshakeAndSaysWhy() throws Exception {
        CredentialIdResolver broken = (c, k) -> {
            throw new IllegalStateException("subscription database unreachable");
        };
        EnginePair p = pair(server(Peers.serverTable(KPSA, null, Peers.KEY_HEX), broken));
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, p::handshake);
        String m = x.getMessage();
        assertTrue(m.contains("Credential-ID resolver") && m.contains("12-" + KPSA)
                && m.contains("subscription database unreachable"), m);
        assertFalse(m.toLowerCase().contains(Peers.KEY_HEX), m);
        assertFalse(p.server.getSession().isValid());
    }

    @Test
    void anUnusableIdFailsTheHandshake() throws Exception {
        EnginePair p = pair(server(Peers.serverTable(KPSA, null, Peers.KEY_HEX), (c, k) -> Optional.of("two words")));
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, p::handshake);
        assertTrue(x.getMessage().contains("returned an unusable ID"), x.getMessage());
    }

    @Test
    void theSystemPropertyNamesAResolverClass() throws Exception {
        Properties props = new Properties();
        props.setProperty(SaefProperties.CREDENTIAL_ID_RESOLVER, FixedResolver.class.getName());
        try (SaefConfiguration config = SaefProperties.load(props)) {
            assertTrue(config.credentialIdResolver().orElseThrow() instanceof FixedResolver);
        }
        props.setProperty(SaefProperties.CREDENTIAL_ID_RESOLVER, "com.example.NoSuchResolver");
        SaefConfigException x = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props));
        assertTrue(x.getMessage().contains("saef.credentialIdResolver") && x.getMessage().contains("cannot be loaded"),
                x.getMessage());
        props.setProperty(SaefProperties.CREDENTIAL_ID_RESOLVER, String.class.getName());
        x = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props));
        assertTrue(x.getMessage().contains("does not implement"), x.getMessage());
    }
}
