package dev.saef.identity;

import java.util.Objects;

/**
 * A Credential-ID (oneM2M TS-0003 clause 10.4): {@code <type-ID>-<value>}. For PSK-SAEF the type is
 * {@value #SAEF_SYMMETRIC_KEY} (clause 12.3.2.1, "symmetric key used to authenticate in an SAEF") and
 * the value is the KpsaID; Entity B binds a security association to it when it has no configured
 * CSE-ID or AE-ID for the KpsaID (clause 8.2.2.1).
 *
 * <p><b>Type-ID text.</b> {@link #of(int, KpsaId)} writes the type with at least two digits, so
 * type 12 gives {@code 12-...} and type 0 gives {@code 00-...}, the prefix TS-0013's test
 * description TD_M2M_SE_01 uses. {@link #parse(String)} keeps the text as given (so {@code 012-x}
 * stays {@code 012-x}): Credential-IDs are compared as strings, and equality is exact string
 * equality of the whole Credential-ID.
 *
 * <p><b>Value characters.</b> Clause 10.4 allows letters, digits, {@code . _ - @}. A Credential-ID
 * made from a lenient KpsaID (see {@link IdentityMode#LENIENT}) may contain any printable US-ASCII
 * character; parse such text with {@link #parse(String, IdentityMode)} in lenient mode.
 *
 * <p>Immutable and thread-safe.
 */
public final class CredentialId {

    /** Type-ID of a symmetric key used to authenticate in an SAEF (KpsaID or KcID), clause 12.3.2.1. */
    public static final int SAEF_SYMMETRIC_KEY = 12;

    private final int typeId;
    private final String value;
    private final String text;

    private CredentialId(int typeId, String value, String text) {
        this.typeId = typeId;
        this.value = value;
        this.text = text;
    }

    /**
     * Forms the Credential-ID of a KpsaID (clause 8.2.2.1, last paragraph).
     *
     * @param typeId the type-ID, normally {@value #SAEF_SYMMETRIC_KEY}; 0 is allowed for TS-0013's
     *     {@code 00-} prefix
     * @param kpsaId the KpsaID, used verbatim as the value part
     * @return {@code typeId-kpsaId}, the type written with at least two digits
     * @throws IllegalArgumentException when {@code typeId} is negative
     */
    public static CredentialId of(int typeId, KpsaId kpsaId) {
        Objects.requireNonNull(kpsaId, "kpsaId");
        if (typeId < 0) {
            throw new IllegalArgumentException("Credential-ID type-ID " + typeId
                    + " is negative; clause 10.4 requires a positive integer (12 for PSK-SAEF, clause 12.3.2.1)");
        }
        String type = typeId < 10 ? "0" + typeId : Integer.toString(typeId);
        return new CredentialId(typeId, kpsaId.value(), type + "-" + kpsaId.value());
    }

    /**
     * Parses {@code <type-ID>-<value>} with the clause 10.4 value characters (letters, digits,
     * {@code . _ - @}). Same as {@code parse(text, IdentityMode.STRICT)}.
     *
     * @param text the Credential-ID
     * @return the Credential-ID, keeping {@code text} exactly
     * @throws IllegalArgumentException when the text is not a Credential-ID
     */
    public static CredentialId parse(String text) {
        return parse(text, IdentityMode.STRICT);
    }

    /**
     * Parses {@code <type-ID>-<value>}: the type-ID is one or more decimal digits (0 allowed, see
     * the class comment), then {@code -}, then a non-empty value whose characters are those of
     * clause 10.4 ({@link IdentityMode#STRICT}) or any printable US-ASCII ({@link IdentityMode#LENIENT},
     * as lenient KpsaIDs allow).
     *
     * @param text the Credential-ID
     * @param mode which value characters to allow
     * @return the Credential-ID, keeping {@code text} exactly
     * @throws IllegalArgumentException naming what is wrong and where
     */
    public static CredentialId parse(String text, IdentityMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (text == null) {
            throw new IllegalArgumentException("Credential-ID is missing (null)");
        }
        String what = "Credential-ID " + QuotedText.quote(text);
        int dash = text.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException(what + ": no '-'; clause 10.4 requires <type-ID>-<value>");
        }
        if (dash == 0) {
            throw new IllegalArgumentException(what + ": type-ID before the first '-' is empty");
        }
        long type = 0;
        for (int i = 0; i < dash; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException(what + ": character " + QuotedText.describeChar(c) + " at index " + i
                        + " is not a decimal digit; the type-ID before the first '-' is an integer (clause 12.3.2.1)");
            }
            type = type * 10 + (c - '0');
            if (type > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + ": type-ID is larger than " + Integer.MAX_VALUE);
            }
        }
        String value = text.substring(dash + 1);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + ": value after the first '-' is empty");
        }
        for (int i = dash + 1; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean ok = mode == IdentityMode.STRICT
                    ? KpsaId.isRelativeChar(cp) || cp == '@'
                    : cp >= 0x21 && cp <= 0x7E;
            if (!ok) {
                throw new IllegalArgumentException(what + ": character " + QuotedText.describeChar(cp) + " at index " + i
                        + (mode == IdentityMode.STRICT
                                ? " is not allowed in the value (clause 10.4 allows A-Z a-z 0-9 . _ - @)"
                                : " is not allowed in the value (lenient identity mode allows printable US-ASCII 0x21-0x7E)"));
            }
            i += Character.charCount(cp);
        }
        return new CredentialId((int) type, value, text);
    }

    /** @return the type-ID (clause 12.3.2.1) */
    public int typeId() {
        return typeId;
    }

    /** @return the value part (for PSK-SAEF: the KpsaID) */
    public String value() {
        return value;
    }

    /** Exact string comparison of the whole Credential-ID. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CredentialId other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** @return the Credential-ID text, e.g. {@code 12-ae42@sp.example.com} */
    @Override
    public String toString() {
        return text;
    }
}
