package dev.saef.config;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import dev.saef.keys.PskSecretKey;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The association table ({@code saef.associations}): the Credential and Association Configuration of
 * oneM2M TS-0003 clause 8.2.2.1, one provisioned KpsaID per line.
 *
 * <pre>
 * # KpsaID                      fields (key=value, any order)
 * ae42@sp.example.com           peer=/id-in  address=cse.example.net:8443  key=hex:00112233445566778899aabbccddeeff
 * node7@mef.example.com         peer=CAE-node7  key=base64:ABEiM0RVZneImaq7zN3u/w==
 * cse-mn1@sp.example.com        peer=/id-mn1
 * </pre>
 *
 * <h2>Format</h2>
 * <ul>
 *   <li>UTF-8 (a leading byte order mark is ignored). Lines end with LF, CRLF or CR; line numbers
 *       in messages are 1-based.</li>
 *   <li>Tokens are separated by spaces or tabs. A token that starts with {@code #} starts a comment
 *       that runs to the end of the line (so a {@code #} inside a token, possible in a lenient
 *       KpsaID, is not a comment). Blank and comment-only lines are ignored.</li>
 *   <li>The first token is the KpsaID, exact case, checked in the table's {@link IdentityMode}.</li>
 *   <li>Then fields {@code name=value} in any order, each at most once:
 *     <ul>
 *       <li>{@code peer=}: the peer's entity identity (IdB on a client; Entity A's CSE-ID/AE-ID on a
 *           server);</li>
 *       <li>{@code address=host}, {@code host:port}, {@code [ipv6]:port}: a client uses this
 *           association for connections to that address ({@link HostPort});</li>
 *       <li>{@code key=hex:...}, {@code key=base64:...} (RFC 4648 standard alphabet) or
 *       {@code key=text:...} (printable ASCII, RFC 4279 section 5.4): the Kpsa,
 *           1..{@value #MAX_KEY_OCTETS} octets. Without it the key comes from the key store.</li>
 *     </ul></li>
 * </ul>
 *
 * <h2>Errors</h2>
 * Unknown, duplicate or malformed fields, bad or duplicate KpsaIDs, bad keys and overlapping
 * addresses are reported as {@link SaefConfigException} naming {@code source:line} and the cause.
 * Messages never contain key text. <b>Address rule:</b> exactly one association may match a given
 * host:port, so two addresses overlap when they have the same host (compared case-insensitively,
 * IPv6 by value) and the same port, <em>or the same host where either has no port</em> (a port-less
 * address matches every port of its host). An overlap is an error at load time, reported on the
 * later line.
 *
 * <h2>Parts</h2>
 * This class is the table: the associations in file order and their indexes (by KpsaID, by the
 * exact {@code psk_identity} octets, by address). {@link AssociationTableParser} reads the file and
 * the lines; the inline keys live in an {@link InlineKeys} store the table owns, offered through
 * {@link #inlineKeys()} and zeroed by {@link #destroy()}. {@link #load} refuses a file with inline keys that group or others
 * may read or write, and any table that they may write (whoever edits it can bind a key of theirs
 * to any identity); POSIX file systems only. The table is otherwise immutable and thread-safe.
 */
public final class AssociationTable {

    /** The longest inline key accepted, in octets (RFC 4279 section 5.3 requires at least 64). */
    public static final int MAX_KEY_OCTETS = 512;

    private final String sourceName;
    private final IdentityMode mode;
    private final List<Association> associations;
    private final Map<KpsaId, Association> byId;
    private final Map<ByteBuffer, Association> byWire;
    private final InlineKeys inlineKeys;

    AssociationTable(String sourceName, IdentityMode mode, List<Association> associations,
            InlineKeys inlineKeys) {
        this.sourceName = sourceName;
        this.mode = mode;
        this.associations = Collections.unmodifiableList(new ArrayList<>(associations));
        Map<KpsaId, Association> ids = new LinkedHashMap<>();
        Map<ByteBuffer, Association> wire = new HashMap<>();
        for (Association a : associations) {
            ids.put(a.kpsaId(), a);
            wire.put(ByteBuffer.wrap(a.kpsaId().toWire()).asReadOnlyBuffer(), a);
        }
        this.byId = Collections.unmodifiableMap(ids);
        this.byWire = Collections.unmodifiableMap(wire);
        this.inlineKeys = inlineKeys;
    }

    /**
     * @param mode the identity mode the table reports
     * @return a table without associations (no {@code saef.associations} configured)
     */
    public static AssociationTable empty(IdentityMode mode) {
        String source = "(no association table)";
        return new AssociationTable(source, Objects.requireNonNull(mode, "mode"), List.of(),
                new InlineKeys(source, new HashMap<>()));
    }

    /**
     * Reads an association table file ({@link AssociationTableParser}).
     *
     * @param file the file (UTF-8)
     * @param mode how KpsaIDs are checked
     * @return the table; error messages use {@code file} as the source name
     * @throws SaefConfigException when the file is missing, unreadable, not a regular file (a FIFO is
     *     never opened), larger than 64 MiB, not UTF-8, has a bad line, or has inline keys and is
     *     readable or writable by group or others (fix: {@code chmod 600})
     */
    public static AssociationTable load(Path file, IdentityMode mode) throws SaefConfigException {
        return AssociationTableParser.load(file, mode);
    }

    /**
     * Parses an association table from a reader (no file: tests, programmatic configuration).
     *
     * @param sourceName the name used in messages, e.g. {@code "associations"}
     * @param reader the table text; read to the end, not closed
     * @param mode how KpsaIDs are checked
     * @param inlineKeysAllowed whether {@code key=} fields are accepted
     * @return the table
     * @throws SaefConfigException naming {@code sourceName:line} and the cause, when a line is bad or
     *     the reader fails
     */
    public static AssociationTable parse(String sourceName, Reader reader, IdentityMode mode,
            boolean inlineKeysAllowed) throws SaefConfigException {
        return AssociationTableParser.parse(sourceName, reader, mode, inlineKeysAllowed);
    }

    /** @return the name used in messages (the file path) */
    public String sourceName() {
        return sourceName;
    }

    /** @return the identity mode the KpsaIDs were checked in */
    public IdentityMode identityMode() {
        return mode;
    }

    /** @return the associations in file order */
    public List<Association> associations() {
        return associations;
    }

    /**
     * @param id a KpsaID
     * @return the association with exactly that KpsaID
     */
    public Optional<Association> byKpsaId(KpsaId id) {
        return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
    }

    /**
     * Server-side lookup of a received {@code psk_identity} (clause 8.2.2.1) on its exact octets.
     *
     * @param identity the octets as received (untrusted; not modified or retained)
     * @return the association whose KpsaID has exactly these UTF-8 octets; empty for null, unknown
     *     or malformed input (never throws)
     */
    public Optional<Association> byWireIdentity(byte[] identity) {
        if (identity == null || identity.length == 0 || identity.length > KpsaId.MAX_OCTETS) {
            return Optional.empty();
        }
        return Optional.ofNullable(byWire.get(ByteBuffer.wrap(identity)));
    }

    /**
     * Client-side choice of the association for a server (clause 8.2.2.1, Association
     * Configuration). The load-time overlap rule guarantees at most one match; should several match,
     * an address with a port is preferred to one without.
     *
     * @param host the host connected to (name or IP literal)
     * @param port its port, or -1 when unknown
     * @return the association whose {@code address=} matches
     */
    public Optional<Association> forPeer(String host, int port) {
        Association hostOnly = null;
        for (Association a : associations) {
            Optional<HostPort> address = a.address();
            if (address.isPresent() && address.get().matches(host, port)) {
                if (address.get().hasPort()) {
                    return Optional.of(a);
                }
                if (hostOnly == null) {
                    hostOnly = a;
                }
            }
        }
        return Optional.ofNullable(hostOnly);
    }

    /**
     * @return the keys given inline ({@code key=}), owned by this table: fresh {@link PskSecretKey}s
     *     (algorithm {@value PskSecretKey#ALGORITHM}) the caller may destroy; {@code null} for KpsaIDs
     *     without an inline key; {@link IllegalStateException} after {@link #destroy()}
     */
    public InlineKeys inlineKeys() {
        return inlineKeys;
    }

    /** Zeroes the inline keys ({@link InlineKeys#destroy()}); later lookups through {@link #inlineKeys()} fail. */
    public void destroy() {
        inlineKeys.destroy();
    }

    /** @return whether {@link #destroy()} was called */
    public boolean isDestroyed() {
        return inlineKeys.isDestroyed();
    }

    /** @return the source and counts; no key material */
    @Override
    public String toString() {
        long inline = associations.stream().filter(Association::hasInlineKey).count();
        return "AssociationTable[" + sourceName + ", " + associations.size() + " associations, " + inline
                + " inline keys]";
    }
}
