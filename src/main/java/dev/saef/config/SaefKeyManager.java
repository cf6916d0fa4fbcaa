package dev.saef.config;

import dev.saef.identity.KpsaId;
import dev.saef.keys.Association;
import dev.saef.config.SaefConfiguration;
import dev.saef.keys.PskKeyManager;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.SecretKey;

/**
 * The standard {@link PskKeyManager}: associations from the association table
 * ({@code saef.associations}) and keys from inline {@code key=} fields or the key store
 * ({@code saef.keyStore}), per oneM2M TS-0003 clause 8.2.2.1 (Credential and Association
 * Configuration). Client associations are chosen by {@code address=}; server associations by the
 * exact KpsaID octets. Immutable and thread-safe.
 */
public final class SaefKeyManager implements PskKeyManager {

    private final SaefConfiguration configuration;

    /** @param configuration the loaded configuration whose table and keys this manager serves */
    public SaefKeyManager(SaefConfiguration configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    /** @return the configuration this manager serves (also carries suites and identity settings) */
    public SaefConfiguration configuration() {
        return configuration;
    }

    @Override
    public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
        if (peerHost == null) {
            return Optional.empty();
        }
        return configuration.associations().forPeer(peerHost, peerPort);
    }

    @Override
    public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
        if (pskIdentity == null) {
            return Optional.empty();
        }
        Optional<Association> listed = configuration.associations().byWireIdentity(pskIdentity);
        if (listed.isPresent() || !configuration.storeIdentities()) {
            return listed;
        }
        return storeAssociation(pskIdentity);
    }

    /**
     * An association for a KpsaID the table does not list, when the key store may supply it
     * ({@link SaefConfiguration#storeIdentities()}): no {@code peer=}, so the session is bound to the Credential-ID.
     * Whether the store has a key is found out by {@link #getKey} (none: the identity is unknown, answered as
     * {@code saef.unknownIdentity} says). Octets that are not a KpsaID are unknown identities.
     */
    private Optional<Association> storeAssociation(byte[] pskIdentity) {
        String text;
        try {
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(pskIdentity)).toString();
            return Optional.of(Association.of(KpsaId.parse(text, configuration.identityMode()), null, null,
                    "key store"));
        } catch (java.nio.charset.CharacterCodingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public SecretKey getKey(Association association) throws GeneralSecurityException {
        return configuration.keys().getKey(association.kpsaId());
    }

    /** @return whether the configuration's key providers may block ({@code PskKeyProvider#lookupsMayBlock()}) */
    @Override
    public boolean lookupsMayBlock() {
        return configuration.keys().lookupsMayBlock();
    }

    @Override
    public String describe() {
        return "association table " + configuration.associations().sourceName();
    }

    @Override
    public String toString() {
        return "SaefKeyManager[" + describe() + "]";
    }
}
