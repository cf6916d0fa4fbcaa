package dev.saef.identity;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A Provisioned Secure Connection Key Identifier, KpsaID (oneM2M TS-0003 clause 10.5): the value a
 * PSK-SAEF client sends as TLS {@code psk_identity} (clause 8.2.2.1, RFC 4279 section 2).
 *
 * <p>In {@link IdentityMode#STRICT} mode the text must be {@code Issuer_Relative_KpsaID@Issuer-FQDN};
 * {@link IdentityMode#LENIENT} mode accepts any printable US-ASCII without whitespace (for GBA
 * B-TIDs and similar). Either way the identity is 1..{@value #MAX_OCTETS} octets of UTF-8 (RFC 4279
 * section 5.3).
 *
 * <p>KpsaIDs are compared exactly, case-sensitively, as they are on the wire: {@code AE1@x.com} and
 * {@code ae1@x.com} are different identities. Instances are immutable and thread-safe.
 */
public final class KpsaId {

    /** The longest identity accepted, in UTF-8 octets (RFC 4279 section 5.3). */
    public static final int MAX_OCTETS = 128;

    /** The longest Issuer-FQDN, in characters (RFC 1035 section 2.3.4 without the root dot). */
    public static final int MAX_FQDN_LENGTH = 253;

    /** The longest DNS label, in characters (RFC 1035 section 2.3.4). */
    public static final int MAX_LABEL_LENGTH = 63;

    private static final String RELATIVE_ALLOWED = "clause 10.5 allows A-Z a-z 0-9 . _ -";

    private final String value;
    private final String relativeId;
    private final String issuerFqdn;

    private KpsaId(String value, String relativeId, String issuerFqdn) {
        this.value = value;
        this.relativeId = relativeId;
        this.issuerFqdn = issuerFqdn;
    }

    /**
     * Parses a KpsaID from text (configuration, command line).
     *
     * @param text the KpsaID, exact case
     * @param mode how strictly to check it
     * @return the identity
     * @throws IllegalArgumentException when the text is null, empty, too long or not allowed in that
     *     mode; the message quotes the text and says what is wrong where (index = UTF-16 index into
     *     the text, 0-based)
     */
    public static KpsaId parse(String text, IdentityMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (text == null) {
            throw new IllegalArgumentException("KpsaID is missing (null)");
        }
        String what = "KpsaID " + QuotedText.quote(text);
        if (text.isEmpty()) {
            throw new IllegalArgumentException("KpsaID is empty; clause 10.5 requires Issuer_Relative_KpsaID@Issuer-FQDN");
        }
        int octets = utf8Length(text);
        if (octets > MAX_OCTETS) {
            throw new IllegalArgumentException(what + ": " + octets + " octets in UTF-8, more than the "
                    + MAX_OCTETS + " allowed (RFC 4279 section 5.3)");
        }
        return mode == IdentityMode.STRICT ? parseStrict(text, what) : parseLenient(text, what);
    }

    /**
     * Decodes a {@code psk_identity} received in a handshake: strict UTF-8 (malformed or overlong
     * sequences are refused), then {@link #parse(String, IdentityMode)}.
     *
     * @param identity the octets as received; not modified or retained
     * @param mode how strictly to check the decoded text
     * @return the identity
     * @throws IllegalArgumentException when the octets are missing, empty, longer than
     *     {@value #MAX_OCTETS}, not UTF-8, or not a KpsaID in that mode
     */
    public static KpsaId fromWire(byte[] identity, IdentityMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (identity == null) {
            throw new IllegalArgumentException("psk_identity is missing (null)");
        }
        if (identity.length == 0) {
            throw new IllegalArgumentException("psk_identity is empty; clause 8.2.2.1 requires the KpsaID");
        }
        if (identity.length > MAX_OCTETS) {
            throw new IllegalArgumentException("psk_identity of " + identity.length + " octets is longer than the "
                    + MAX_OCTETS + " allowed (RFC 4279 section 5.3)");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(identity);
        CharBuffer out = CharBuffer.allocate(identity.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new IllegalArgumentException("psk_identity is not valid UTF-8 (RFC 4279 section 5.1):"
                    + " malformed sequence at octet " + in.position());
        }
        out.flip();
        return parse(out.toString(), mode);
    }

    private static KpsaId parseStrict(String text, String what) {
        int at = text.indexOf('@');
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (at < 0 || i < at) {
                if (!isRelativeChar(cp)) {
                    throw new IllegalArgumentException(what + ": character " + QuotedText.describeChar(cp) + " at index "
                            + i + " is not allowed in Issuer_Relative_KpsaID (" + RELATIVE_ALLOWED + ")");
                }
            } else if (i > at) {
                if (cp == '@') {
                    throw new IllegalArgumentException(what + ": second '@' at index " + i
                            + "; clause 10.5 has exactly one '@' between Issuer_Relative_KpsaID and Issuer-FQDN");
                }
                if (!isFqdnChar(cp)) {
                    throw new IllegalArgumentException(what + ": character " + QuotedText.describeChar(cp) + " at index "
                            + i + " is not allowed in Issuer-FQDN (letters, digits and '-' in labels separated by '.')");
                }
            }
            i += Character.charCount(cp);
        }
        if (at < 0) {
            throw new IllegalArgumentException(what + ": no '@'; clause 10.5 requires Issuer_Relative_KpsaID@Issuer-FQDN"
                    + " (use lenient identity mode for identities without an issuer)");
        }
        if (at == 0) {
            throw new IllegalArgumentException(what + ": Issuer_Relative_KpsaID before '@' is empty");
        }
        if (at == text.length() - 1) {
            throw new IllegalArgumentException(what + ": Issuer-FQDN after '@' is empty");
        }
        checkFqdn(text, at + 1, what);
        return new KpsaId(text, text.substring(0, at), text.substring(at + 1));
    }

    private static void checkFqdn(String text, int start, String what) {
        int fqdnLength = text.length() - start;
        if (fqdnLength > MAX_FQDN_LENGTH) {
            // Unreachable while MAX_OCTETS is 128; kept so that raising that limit keeps the FQDN rule.
            throw new IllegalArgumentException(what + ": Issuer-FQDN is " + fqdnLength + " characters long; at most "
                    + MAX_FQDN_LENGTH + " are allowed");
        }
        int labelStart = start;
        while (true) {
            int dot = text.indexOf('.', labelStart);
            int labelEnd = dot < 0 ? text.length() : dot;
            int labelLength = labelEnd - labelStart;
            if (labelLength == 0) {
                String problem;
                if (labelStart == start) {
                    problem = "Issuer-FQDN starts with '.' at index " + labelStart;
                } else if (labelStart == text.length()) {
                    problem = "Issuer-FQDN ends with '.' at index " + (labelStart - 1)
                            + " (write it without the trailing root dot)";
                } else {
                    problem = "Issuer-FQDN has an empty label (two dots) at index " + labelStart;
                }
                throw new IllegalArgumentException(what + ": " + problem);
            }
            String label = text.substring(labelStart, labelEnd);
            if (labelLength > MAX_LABEL_LENGTH) {
                throw new IllegalArgumentException(what + ": Issuer-FQDN label at index " + labelStart + " is "
                        + labelLength + " characters long; DNS labels have at most " + MAX_LABEL_LENGTH);
            }
            if (label.charAt(0) == '-') {
                throw new IllegalArgumentException(what + ": Issuer-FQDN label " + QuotedText.quote(label)
                        + " at index " + labelStart + " starts with '-'");
            }
            if (label.charAt(labelLength - 1) == '-') {
                throw new IllegalArgumentException(what + ": Issuer-FQDN label " + QuotedText.quote(label)
                        + " at index " + labelStart + " ends with '-'");
            }
            if (dot < 0) {
                return;
            }
            labelStart = dot + 1;
        }
    }

    private static KpsaId parseLenient(String text, String what) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp < 0x21 || cp > 0x7E) {
                throw new IllegalArgumentException(what + ": character " + QuotedText.describeChar(cp) + " at index " + i
                        + " is not allowed (lenient identity mode allows printable US-ASCII 0x21-0x7E, no whitespace)");
            }
            i += Character.charCount(cp);
        }
        int at = text.lastIndexOf('@');
        if (at > 0 && at < text.length() - 1) {
            return new KpsaId(text, text.substring(0, at), text.substring(at + 1));
        }
        return new KpsaId(text, null, null);
    }

    /** @return whether {@code cp} may appear in an Issuer_Relative_KpsaID (clause 10.5) */
    static boolean isRelativeChar(int cp) {
        return isAsciiLetterOrDigit(cp) || cp == '.' || cp == '_' || cp == '-';
    }

    private static boolean isFqdnChar(int cp) {
        return isAsciiLetterOrDigit(cp) || cp == '-' || cp == '.';
    }

    static boolean isAsciiLetterOrDigit(int cp) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3; // BMP character, or a lone surrogate (which UTF-8 encoders replace with 3 octets)
            }
        }
        return n;
    }

    /** @return the KpsaID text, exact case */
    public String value() {
        return value;
    }

    /** @return a fresh array holding the UTF-8 encoding, as sent in {@code psk_identity} */
    public byte[] toWire() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return the Issuer_Relative_KpsaID (the part before the {@code @}); in lenient mode the part
     *     before the last {@code @}, or empty when there is none
     */
    public Optional<String> relativeId() {
        return Optional.ofNullable(relativeId);
    }

    /**
     * @return the Issuer-FQDN (the part after the {@code @}); in lenient mode the part after the last
     *     {@code @}, not checked as a DNS name, or empty when there is none
     */
    public Optional<String> issuerFqdn() {
        return Optional.ofNullable(issuerFqdn);
    }

    /** Exact, case-sensitive comparison of the identity text. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KpsaId other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** @return {@link #value()} */
    @Override
    public String toString() {
        return value;
    }
}
