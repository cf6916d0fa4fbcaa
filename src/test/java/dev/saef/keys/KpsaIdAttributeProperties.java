package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * The KpsaID attribute codec ({@link KpsaIdAttribute}) written without an ASN.1 library: it writes
 * the same octets as Bouncy Castle's DER encoder (the encoder used before, kept here as the
 * reference), reads what that encoder wrote, and refuses everything else without any exception but
 * {@link IllegalArgumentException}.
 */
class KpsaIdAttributeProperties {

    /** Written by the BC-based encoder before issue 8 for {@code AE42@sp.example.com}. */
    private static final String GOLDEN = "302d061469828c80b0ace084f2938bbfaba6e49d9ff5804b31150c13414534324073702e"
            + "6578616d706c652e636f6d";

    private static byte[] reference(ASN1Encodable value) throws Exception {
        return new DERSequence(new ASN1Encodable[] {
            new ASN1ObjectIdentifier(KpsaIdAttribute.OID), new DERSet(value)
        }).getEncoded(ASN1Encoding.DER);
    }

    @Provide
    Arbitrary<String> texts() {
        // any Unicode text, including lengths that need one- and two-octet DER lengths
        return Arbitraries.oneOf(Arbitraries.strings().ascii().ofMaxLength(300),
                Arbitraries.strings().all().ofMaxLength(300).filter(s -> s.codePoints().noneMatch(
                        c -> c >= 0xD800 && c <= 0xDFFF)));
    }

    @Example
    void writesTheOctetsTheBcEncoderWrote() {
        assertEquals(GOLDEN, HexFormat.of().formatHex(KpsaIdAttribute.encode("AE42@sp.example.com")));
        assertEquals(GOLDEN, HexFormat.of().formatHex(
                KpsaIdAttribute.of(KpsaId.parse("AE42@sp.example.com", IdentityMode.STRICT)).getEncoded()));
    }

    @Property
    void encodesExactlyLikeBouncyCastle(@ForAll("texts") String text) throws Exception {
        assertArrayEquals(reference(new DERUTF8String(text)), KpsaIdAttribute.encode(text));
    }

    @Property
    void roundTrips(@ForAll("texts") String text) {
        assertEquals(text, KpsaIdAttribute.decode(KpsaIdAttribute.encode(text)));
    }

    @Property
    void readsTheOtherStringFormsAcceptedBefore(@ForAll("printable") String text) throws Exception {
        assertEquals(text, KpsaIdAttribute.decode(reference(new DERPrintableString(text))));
        assertEquals(text, KpsaIdAttribute.decode(reference(new DERIA5String(text))));
        assertEquals(text, KpsaIdAttribute.decode(reference(new DEROctetString(text.getBytes("UTF-8")))));
    }

    @Provide
    Arbitrary<String> printable() {
        return Arbitraries.strings().withChars("abcXYZ019 '()+,-./:=?").ofMaxLength(200);
    }

    @Property
    void refusesEveryTruncation(@ForAll("texts") String text, @ForAll @IntRange(min = 0, max = 400) int cut) {
        byte[] der = KpsaIdAttribute.encode(text);
        Assume.that(cut < der.length);
        assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(Arrays.copyOf(der, cut)));
    }

    @Property
    void refusesTrailingOctets(@ForAll("texts") String text, @ForAll @Size(min = 1, max = 8) byte[] extra) {
        byte[] der = KpsaIdAttribute.encode(text);
        byte[] longer = Arrays.copyOf(der, der.length + extra.length);
        System.arraycopy(extra, 0, longer, der.length, extra.length);
        assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(longer));
    }

    /** Random octets and random single-octet changes: refused (IllegalArgumentException only) or a valid encoding. */
    @Property(tries = 2000)
    void garbageIsRefusedCleanly(@ForAll @Size(max = 64) byte[] garbage, @ForAll("texts") String text,
            @ForAll @IntRange(min = 0, max = 400) int at, @ForAll byte value) {
        decodesCanonicallyOrRefuses(garbage);
        byte[] der = KpsaIdAttribute.encode(text);
        der[at % der.length] = value;
        decodesCanonicallyOrRefuses(der);
    }

    /** Anything accepted must be, octet for octet, the encoding of what was decoded in one of the four string forms. */
    private static void decodesCanonicallyOrRefuses(byte[] input) {
        String decoded;
        try {
            decoded = KpsaIdAttribute.decode(input);
        } catch (IllegalArgumentException e) {
            return;
        }
        byte[] canonical = KpsaIdAttribute.encode(decoded);
        int tagAt = headerLength(canonical, 0) + 22; // SEQUENCE header, then the OID (06 14 + 20 octets)
        tagAt += headerLength(canonical, tagAt);      // SET header
        for (int tag : new int[] {0x0C, 0x13, 0x16, 0x04}) {
            canonical[tagAt] = (byte) tag;
            if (Arrays.equals(canonical, input)) {
                return;
            }
        }
        throw new AssertionError("accepted a non-canonical encoding: " + HexFormat.of().formatHex(input));
    }

    private static int headerLength(byte[] der, int at) {
        int first = der[at + 1] & 0xFF;
        return first < 0x80 ? 2 : 2 + (first & 0x7F);
    }

    @Example
    void refusesNonDerForms() {
        byte[] der = KpsaIdAttribute.encode("a@b.com");
        // long-form length for a short length (0x81 0x19 instead of 0x19)
        byte[] longForm = new byte[der.length + 1];
        longForm[0] = 0x30;
        longForm[1] = (byte) 0x81;
        System.arraycopy(der, 1, longForm, 2, der.length - 1);
        assertEquals("the attribute has a length in more octets than needed (not DER)",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(longForm)).getMessage());
        // indefinite length
        byte[] indefinite = der.clone();
        indefinite[1] = (byte) 0x80;
        assertEquals("the attribute has an indefinite length (not DER)",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(indefinite)).getMessage());
        // another OID
        byte[] otherOid = der.clone();
        otherOid[5] ^= 1;
        assertEquals("the attribute type is not the KpsaID attribute " + KpsaIdAttribute.OID,
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(otherOid)).getMessage());
    }

    @Example
    void refusesZeroOrSeveralValuesAndNonStrings() throws Exception {
        byte[] two = new DERSequence(new ASN1Encodable[] {
            new ASN1ObjectIdentifier(KpsaIdAttribute.OID),
            new DERSet(new ASN1Encodable[] {new DERUTF8String("a@b.com"), new DERUTF8String("c@d.com")})
        }).getEncoded(ASN1Encoding.DER);
        assertEquals("the KpsaID attribute has 2 values; it must have exactly one",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(two)).getMessage());
        byte[] none = new DERSequence(new ASN1Encodable[] {
            new ASN1ObjectIdentifier(KpsaIdAttribute.OID), new DERSet()
        }).getEncoded(ASN1Encoding.DER);
        assertEquals("the KpsaID attribute has 0 values; it must have exactly one",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(none)).getMessage());
        byte[] oid = reference(new ASN1ObjectIdentifier("1.2.3"));
        assertEquals("the KpsaID attribute is not a string (tag 0x6)",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(oid)).getMessage());
        byte[] badUtf8 = reference(new DEROctetString(new byte[] {(byte) 0xC3}));
        assertEquals("the KpsaID attribute value is not valid UTF-8",
                assertThrows(IllegalArgumentException.class, () -> KpsaIdAttribute.decode(badUtf8)).getMessage());
    }
}
