package dev.saef.keys;

import dev.saef.identity.CredentialId;
import dev.saef.identity.KpsaId;
import java.util.Optional;
import javax.net.ssl.KeyManager;

/**
 * Server side (Entity B): determines the AE-ID or CSE-ID that applies to a Credential-ID, as TS-0003
 * clause 8.2.1 lets Entity B do (for example from the CSE's {@code <serviceSubscribedAppRule>}
 * resources). SAEF asks it only when the association of the client's KpsaID has no {@code peer=}; the
 * ID it returns becomes the session's bound identity ({@code getPeerPrincipal().getName()}), in place
 * of the Credential-ID {@code 12-<KpsaID>} (clause 10.4); the principal still carries the KpsaID and
 * the Credential-ID. Empty keeps today's behaviour: the session is bound to the Credential-ID.
 *
 * <p>Install it by passing it among the key managers to {@code SSLContext.init} (it is a
 * {@link KeyManager}), or, without code in the application, name a class with a public no-argument
 * constructor in the system property {@code saef.credentialIdResolver}. A resolver passed to
 * {@code init} wins over the property.
 *
 * <p><b>Threading.</b> {@link #resolve} runs on the thread that completes the server's handshake (a
 * socket's reader, or whatever thread calls {@code SSLEngine.unwrap}), never as a delegated task, and
 * may be called from many threads at once: it must be thread-safe, and it should be fast, since an
 * event loop driving engines waits for it.
 *
 * <p><b>Failures.</b> Fail closed: an exception, or an ID that is empty or contains whitespace or
 * control characters, fails the handshake ({@code internal_error}: the server's own fault) with an
 * {@code SSLHandshakeException} that names the resolver and the Credential-ID. Return an ID only when
 * it really belongs to the credential: it is what the clause 7.2.1 originator check compares
 * {@code From} with.
 *
 * <pre>{@code
 * final class SubscriptionResolver implements CredentialIdResolver {
 *     public Optional<String> resolve(CredentialId credentialId, KpsaId kpsaId) {
 *         return Optional.ofNullable(appRules.aeIdFor(credentialId.toString()));
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface CredentialIdResolver extends KeyManager {

    /**
     * @param credentialId the Credential-ID formed from the client's KpsaID (clause 10.4)
     * @param kpsaId the KpsaID the client authenticated with
     * @return the AE-ID or CSE-ID to bind the session to, or empty to bind it to the Credential-ID
     * @throws Exception to fail the handshake
     */
    Optional<String> resolve(CredentialId credentialId, KpsaId kpsaId) throws Exception;
}
