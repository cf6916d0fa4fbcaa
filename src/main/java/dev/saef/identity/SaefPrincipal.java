package dev.saef.identity;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.Principal;
import java.util.Objects;
import java.util.Optional;

/**
 * The identity a PSK-SAEF security association is bound to (oneM2M TS-0003 clause 8.2.2.1), as
 * returned by {@code SSLSession.getPeerPrincipal()} and {@code getLocalPrincipal()}.
 *
 * <ul>
 *   <li>{@link #configured configured}: an identity configured for the association. On Entity A
 *       (client) it is IdB, the CSE-ID of Entity B; on Entity B (server) the CSE-ID or AE-ID
 *       configured for Entity A's KpsaID.</li>
 *   <li>{@link #derived derived}: on Entity B, when no identity is configured for the KpsaID, the
 *       Credential-ID formed from it (clause 10.4, e.g. {@code 12-ae42@sp.example.com}); the
 *       application then determines the CSE-ID or AE-ID from it as clause 8.2.1 describes.</li>
 *   <li>{@link #local local}: this entity's own CSE-ID or AE-ID ({@code saef.localId}).</li>
 * </ul>
 *
 * <p>{@link #getName()} is the bound identity that clause 7.2.1 compares with a request's
 * {@code From} (see {@link OriginatorCheck}). Two principals are equal when name and kind are equal.
 * Immutable, thread-safe and serializable (identities are kept as text; no key material is held).
 */
public final class SaefPrincipal implements Principal, Serializable {

    private static final long serialVersionUID = 1L;

    /** How the identity of a {@link SaefPrincipal} was obtained (clause 8.2.2.1, clause 8.2.1). */
    public enum Kind {
        /** Configured for the association (clause 8.2.2.1, Association Configuration). */
        CONFIGURED,
        /** The Credential-ID formed from the KpsaID (clauses 8.2.2.1 and 10.4). */
        DERIVED,
        /** This entity's own identity. */
        LOCAL
    }

    /** @serial the bound identity */
    private final String name;
    /** @serial how it was obtained */
    private final Kind kind;
    /** @serial the KpsaID text, or null */
    private final String kpsaId;
    /** @serial the Credential-ID text, or null */
    private final String credentialId;

    private SaefPrincipal(String name, Kind kind, String kpsaId, String credentialId) {
        this.name = name;
        this.kind = kind;
        this.kpsaId = kpsaId;
        this.credentialId = credentialId;
    }

    /**
     * @param entityId the configured CSE-ID or AE-ID (client: IdB; server: Entity A's identity),
     *     exactly as it will be compared with {@code From}
     * @param kpsaId the KpsaID of the association
     * @param credentialId the Credential-ID formed from it, or null when not known
     * @return a configured principal named {@code entityId}
     * @throws IllegalArgumentException when {@code entityId} is empty or contains whitespace or
     *     control characters
     */
    public static SaefPrincipal configured(String entityId, KpsaId kpsaId, CredentialId credentialId) {
        Objects.requireNonNull(kpsaId, "kpsaId");
        checkEntityId(entityId);
        return new SaefPrincipal(entityId, Kind.CONFIGURED, kpsaId.value(),
                credentialId == null ? null : credentialId.toString());
    }

    /**
     * @param kpsaId the KpsaID the client used
     * @param credentialId the Credential-ID formed from it (its value must be the KpsaID)
     * @return a derived principal named {@code credentialId.toString()}
     * @throws IllegalArgumentException when the Credential-ID's value is not the KpsaID
     */
    public static SaefPrincipal derived(KpsaId kpsaId, CredentialId credentialId) {
        Objects.requireNonNull(kpsaId, "kpsaId");
        Objects.requireNonNull(credentialId, "credentialId");
        if (!credentialId.value().equals(kpsaId.value())) {
            throw new IllegalArgumentException("Credential-ID " + QuotedText.quote(credentialId.toString())
                    + " is not formed from KpsaID " + QuotedText.quote(kpsaId.value()) + " (clause 8.2.2.1)");
        }
        return new SaefPrincipal(credentialId.toString(), Kind.DERIVED, kpsaId.value(), credentialId.toString());
    }

    /**
     * @param entityId this entity's CSE-ID or AE-ID
     * @return a local principal named {@code entityId}
     * @throws IllegalArgumentException when {@code entityId} is empty or contains whitespace or
     *     control characters
     */
    public static SaefPrincipal local(String entityId) {
        checkEntityId(entityId);
        return new SaefPrincipal(entityId, Kind.LOCAL, null, null);
    }

    /**
     * Checks an entity identifier (CSE-ID or AE-ID) the way the factories do, so that configuration
     * can be checked when it is loaded rather than at handshake time.
     *
     * @param entityId the identifier
     * @return {@code entityId}
     * @throws IllegalArgumentException when it is null, empty, or contains whitespace or control
     *     characters
     */
    public static String checkEntityId(String entityId) {
        if (entityId == null) {
            throw new IllegalArgumentException("entity identifier (CSE-ID or AE-ID) is missing (null)");
        }
        if (entityId.isEmpty()) {
            throw new IllegalArgumentException("entity identifier (CSE-ID or AE-ID) is empty");
        }
        for (int i = 0; i < entityId.length(); ) {
            int cp = entityId.codePointAt(i);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
                throw new IllegalArgumentException("entity identifier " + QuotedText.quote(entityId) + ": character "
                        + QuotedText.describeChar(cp) + " at index " + i + " is not allowed");
            }
            i += Character.charCount(cp);
        }
        return entityId;
    }

    /** @return the bound identity: a CSE-ID, an AE-ID or a Credential-ID */
    @Override
    public String getName() {
        return name;
    }

    /** @return how the identity was obtained */
    public Kind kind() {
        return kind;
    }

    /** @return the KpsaID of the association; empty for a local principal */
    public Optional<KpsaId> kpsaId() {
        // Stored as text; it was valid when stored and lenient mode accepts every valid KpsaID.
        return kpsaId == null ? Optional.empty() : Optional.of(KpsaId.parse(kpsaId, IdentityMode.LENIENT));
    }

    /** @return the Credential-ID formed from the KpsaID, when known */
    public Optional<CredentialId> credentialId() {
        return credentialId == null
                ? Optional.empty()
                : Optional.of(CredentialId.parse(credentialId, IdentityMode.LENIENT));
    }

    /**
     * The indication TS-0003 clause 8.2.1 pairs with the bound identity: whether the peer is a CSE or
     * an AE, read from the identifier's form ({@link EntityType#of}). Empty for a Credential-ID
     * ({@link #isDerivedFromCredentialId()}: the application determines the CSE-ID or AE-ID, and so
     * the type, from it) and for identifiers whose form does not say.
     *
     * @return CSE or AE, or empty
     */
    public Optional<EntityType> entityType() {
        return kind == Kind.DERIVED ? Optional.empty() : EntityType.of(name);
    }

    /** @return true for a configured or local identity, false for one derived from a Credential-ID */
    public boolean isConfigured() {
        return kind != Kind.DERIVED;
    }

    /** @return true when the name is the Credential-ID formed from the KpsaID */
    public boolean isDerivedFromCredentialId() {
        return kind == Kind.DERIVED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SaefPrincipal other && name.equals(other.name) && kind == other.kind;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + kind.hashCode();
    }

    /** @return e.g. {@code SaefPrincipal[/id-in, configured, kpsaId=ae42@sp.example.com]} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SaefPrincipal[").append(name).append(", ")
                .append(kind.name().toLowerCase(java.util.Locale.ROOT));
        if (kpsaId != null) {
            sb.append(", kpsaId=").append(kpsaId);
        }
        if (credentialId != null && !credentialId.equals(name)) {
            sb.append(", credentialId=").append(credentialId);
        }
        return sb.append(']').toString();
    }

    /**
     * Re-checks the invariants of the factories, so that a crafted stream cannot produce a principal
     * the factories would refuse.
     *
     * @param in the stream
     * @throws IOException when reading fails
     * @throws ClassNotFoundException when a class of the stream is missing
     * @throws InvalidObjectException when the fields break an invariant
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try {
            if (kind == null) {
                throw new IllegalArgumentException("kind is missing");
            }
            SaefPrincipal check;
            switch (kind) {
                case CONFIGURED:
                    if (kpsaId == null) {
                        throw new IllegalArgumentException("a configured principal needs a KpsaID");
                    }
                    check = configured(name, KpsaId.parse(kpsaId, IdentityMode.LENIENT),
                            credentialId == null ? null : CredentialId.parse(credentialId, IdentityMode.LENIENT));
                    break;
                case DERIVED:
                    check = derived(KpsaId.parse(kpsaId, IdentityMode.LENIENT),
                            CredentialId.parse(credentialId, IdentityMode.LENIENT));
                    break;
                default:
                    if (kpsaId != null || credentialId != null) {
                        throw new IllegalArgumentException("a local principal has no KpsaID or Credential-ID");
                    }
                    check = local(name);
                    break;
            }
            if (!check.name.equals(name)) {
                throw new IllegalArgumentException("name does not match the Credential-ID");
            }
        } catch (IllegalArgumentException e) {
            InvalidObjectException bad = new InvalidObjectException("invalid SaefPrincipal: " + e.getMessage());
            bad.initCause(e);
            throw bad;
        }
    }
}
