package dev.saef.identity;

import java.util.Optional;

/**
 * Whether an entity is a CSE or an AE: the indication TS-0003 clause 8.2.1 asks Entity B to
 * associate with the security context together with Entity A's CSE-ID or AE-ID. PSK-SAEF carries no
 * such indication on the wire, so it is read from the identifier's syntax (oneM2M TS-0001 clause 7.2):
 *
 * <table>
 *   <caption>Identifier forms</caption>
 *   <tr><th>form</th><th>example</th><th>type</th></tr>
 *   <tr><td>SP-relative CSE-ID {@code /CSE-ID} (name not starting with C or S)</td><td>{@code /id-mn1}</td><td>CSE</td></tr>
 *   <tr><td>absolute CSE-ID {@code //SP-ID/CSE-ID}</td><td>{@code //sp.example.com/id-mn1}</td><td>CSE</td></tr>
 *   <tr><td>AE-ID-Stem or S-type SP-relative AE-ID ({@code C...}, {@code S...})</td><td>{@code CAE01}</td><td>AE</td></tr>
 *   <tr><td>C-type SP-relative AE-ID {@code /CSE-ID/C...}</td><td>{@code /id-mn1/CAE01}</td><td>AE</td></tr>
 *   <tr><td>C-type absolute AE-ID {@code //SP-ID/CSE-ID/C...}</td><td>{@code //sp.example.com/id-mn1/CAE01}</td><td>AE</td></tr>
 * </table>
 *
 * <p>Anything else has no type: a bare name that starts with neither {@code C} nor {@code S}, a path
 * that is not an entity identifier, and a CSE-ID form whose name starts with {@code C} or {@code S}
 * ({@code /CSE178}, {@code //SP-ID/CAE01}, {@code //SP-ID/S...}), which is the prefix of AE-ID stems:
 * {@code //SP-ID/S...} is the absolute form of an S-type AE-ID, and the others are as likely an
 * AE-ID written without its registrar. An identifier with no type is left to the application rather
 * than guessed, since the type decides what the entity may do.
 */
public enum EntityType {
    /** A Common Services Entity: Entity A registers as a CSE (an MN-CSE or ASN-CSE). */
    CSE,
    /** An Application Entity. */
    AE;

    /**
     * @param entityId a CSE-ID or AE-ID as configured (e.g. a {@code peer=} value)
     * @return its type by the forms above, or empty when the form does not say
     */
    public static Optional<EntityType> of(String entityId) {
        if (entityId == null || entityId.isEmpty()) {
            return Optional.empty();
        }
        if (entityId.startsWith("//")) {
            int slash = entityId.indexOf('/', 2);
            if (slash <= 2) {
                return Optional.empty(); // no SP-ID
            }
            return spRelative(segments(entityId.substring(slash)));
        }
        if (entityId.startsWith("/")) {
            return spRelative(segments(entityId));
        }
        if (entityId.indexOf('/') < 0 && looksLikeAeStem(entityId)) {
            return Optional.of(AE);
        }
        return Optional.empty();
    }

    /** {@code /CSE-ID} (unless the name looks like an AE-ID stem) or {@code /CSE-ID/C...}. */
    private static Optional<EntityType> spRelative(String[] segments) {
        if (segments.length == 1) {
            return looksLikeAeStem(segments[0]) ? Optional.empty() : Optional.of(CSE);
        }
        return cseThenAe(segments);
    }

    private static boolean looksLikeAeStem(String name) {
        return name.startsWith("C") || name.startsWith("S");
    }

    /** {@code /CSE-ID/C...}: two segments, the second a C-type AE-ID-Stem. */
    private static Optional<EntityType> cseThenAe(String[] segments) {
        return segments.length == 2 && segments[1].startsWith("C") ? Optional.of(AE) : Optional.empty();
    }

    /** @return the non-empty segments of {@code path} ("/a/b" gives a, b); an empty segment gives none */
    private static String[] segments(String path) {
        String[] parts = path.substring(1).split("/", -1);
        for (String p : parts) {
            if (p.isEmpty()) {
                return new String[0];
            }
        }
        return parts;
    }
}
