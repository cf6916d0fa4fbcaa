package dev.saef.keys;

import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import java.util.Objects;
import java.util.Optional;

/**
 * One provisioned security association of the Provisioned Symmetric Key SAEF (oneM2M TS-0003 clause
 * 8.2.2.1): a KpsaID, the peer's entity identity (Association Configuration: IdB on Entity A, Entity
 * A's CSE-ID/AE-ID on Entity B) and where a client uses it. One line of the association table.
 *
 * <p>Holds no key material: {@link #hasInlineKey()} only says whether the table line carried one
 * (available from the table's inline keys, {@code dev.saef.config.AssociationTable#inlineKeys()});
 * otherwise the key comes from the key
 * store. Immutable and thread-safe.
 */
public final class Association {

    private final KpsaId kpsaId;
    private final String peerId;
    private final HostPort address;
    private final boolean inlineKey;
    private final String source;

    private Association(KpsaId kpsaId, String peerId, HostPort address, boolean inlineKey, String source) {
        this.kpsaId = Objects.requireNonNull(kpsaId, "kpsaId");
        this.peerId = peerId == null ? null : SaefPrincipal.checkEntityId(peerId);
        this.address = address;
        this.inlineKey = inlineKey;
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * Creates an association outside an association table (programmatic configuration); its key
     * must come from a {@link PskKeyProvider}.
     *
     * @param kpsaId the KpsaID
     * @param peerId the peer's CSE-ID or AE-ID, or null
     * @param address where a client uses it, or null
     * @param source a description for messages, e.g. {@code "application"}
     * @return the association
     * @throws IllegalArgumentException when {@code peerId} is empty or contains whitespace or
     *     control characters
     */
    public static Association of(KpsaId kpsaId, String peerId, HostPort address, String source) {
        return new Association(kpsaId, peerId, address, false, source);
    }

    /**
     * Creates an association read from a line of an association table, which records whether the
     * line carried the key (the key itself stays with the table's inline-key store).
     *
     * @param kpsaId the KpsaID
     * @param peerId the peer's CSE-ID or AE-ID, or null
     * @param address where a client uses it, or null
     * @param inlineKey whether the line carried the key ({@code key=})
     * @param source where it was defined, e.g. {@code /etc/saef/associations:12}
     * @return the association
     * @throws IllegalArgumentException when {@code peerId} is empty or contains whitespace or
     *     control characters
     */
    public static Association fromTable(KpsaId kpsaId, String peerId, HostPort address, boolean inlineKey,
            String source) {
        return new Association(kpsaId, peerId, address, inlineKey, source);
    }

    /** @return the KpsaID, sent as {@code psk_identity} (clause 8.2.2.1) */
    public KpsaId kpsaId() {
        return kpsaId;
    }

    /**
     * @return the {@code peer=} identity: on a client IdB, the identity the session is bound to; on a
     *     server the configured CSE-ID/AE-ID of Entity A (without it the server binds the session to
     *     the Credential-ID)
     */
    public Optional<String> peerId() {
        return Optional.ofNullable(peerId);
    }

    /** @return the {@code address=} a client uses this association for */
    public Optional<HostPort> address() {
        return Optional.ofNullable(address);
    }

    /** @return whether the table line carried the key ({@code key=hex:} / {@code key=base64:}) */
    public boolean hasInlineKey() {
        return inlineKey;
    }

    /** @return where the association was defined, e.g. {@code /etc/saef/associations:12} */
    public String source() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Association a && kpsaId.equals(a.kpsaId) && Objects.equals(peerId, a.peerId)
                && Objects.equals(address, a.address) && inlineKey == a.inlineKey && source.equals(a.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kpsaId, peerId, address, inlineKey, source);
    }

    /** @return the line's contents without key material, e.g. {@code Association[ae42@sp.example.com peer=/id-in key=inline (file:3)]} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Association[").append(kpsaId);
        if (peerId != null) {
            sb.append(" peer=").append(peerId);
        }
        if (address != null) {
            sb.append(" address=").append(address);
        }
        sb.append(inlineKey ? " key=inline" : " key=store");
        return sb.append(" (").append(source).append(")]").toString();
    }
}
