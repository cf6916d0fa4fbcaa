package dev.saef.keys;

import dev.saef.identity.KpsaId;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.PKCS12Attribute;
import java.util.Arrays;
import java.util.Objects;

/**
 * The PKCS#12 bag attribute that records a Kpsa entry's exact KpsaID (oneM2M TS-0003 clause 8.2.2.1)
 * in a key store, since PKCS12 and JCEKS fold aliases to lower case. Its DER (X.690) is the
 * {@code Attribute} of RFC 7292 section 4.2 with one value:
 *
 * <pre>
 * SEQUENCE {                       -- 30 len
 *   OBJECT IDENTIFIER {@value #OID} -- 06 len ...
 *   SET {                          -- 31 len
 *     UTF8String kpsaId            -- 0C len ...
 *   }
 * }
 * </pre>
 *
 * A small DER codec for exactly this structure, without an ASN.1 library. {@link #encode} writes
 * the form above (the same octets the earlier Bouncy Castle based encoder wrote). {@link #decode}
 * is strict: definite minimal lengths, the exact OID, a SET with one value, no octets after any
 * element; the value may be a UTF8String, PrintableString or IA5String (the JDK's
 * {@code PKCS12Attribute(String, String)} writes PrintableString for printable text) or an OCTET
 * STRING holding UTF-8, as accepted before. Stateless and thread-safe.
 */
public final class KpsaIdAttribute {

    /**
     * OID of the attribute, under the {@code 2.25} UUID arc (ITU-T X.667): UUID
     * {@code 860060b3-004e-44c5-bf56-9b21d3fd404b} as a decimal integer.
     */
    public static final String OID = "2.25.178118512728436388565434010869174190155";

    /** The longest encoded attribute accepted: far above any KpsaID, bounds the work on a hostile store. */
    static final int MAX_ENCODED = 4096;

    private static final int SEQUENCE = 0x30;
    private static final int SET = 0x31;
    private static final int OBJECT_IDENTIFIER = 0x06;
    private static final int UTF8_STRING = 0x0C;
    private static final int PRINTABLE_STRING = 0x13;
    private static final int IA5_STRING = 0x16;
    private static final int OCTET_STRING = 0x04;

    /** The content octets of the OID's DER encoding. */
    private static final byte[] OID_CONTENT = oidContent(OID);

    private KpsaIdAttribute() {
    }

    /**
     * @param kpsaId the KpsaID
     * @return the JDK attribute for a {@code KeyStore.SecretKeyEntry}, built from {@link #encode} (the
     *     {@code PKCS12Attribute(String, String)} constructor would turn values like {@code ab:cd} into octets)
     */
    public static PKCS12Attribute of(KpsaId kpsaId) {
        return new PKCS12Attribute(encode(kpsaId.value()));
    }

    /**
     * @param value the KpsaID text
     * @return the DER of the attribute with that value as a UTF8String
     * @throws IllegalArgumentException when the encoding would exceed {@value #MAX_ENCODED} octets
     */
    public static byte[] encode(String value) {
        Objects.requireNonNull(value, "value");
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] set = tlv(SET, tlv(UTF8_STRING, text));
        byte[] der = tlv(SEQUENCE, concat(tlv(OBJECT_IDENTIFIER, OID_CONTENT), set));
        if (der.length > MAX_ENCODED) {
            throw new IllegalArgumentException("the KpsaID attribute would be " + der.length + " octets; at most "
                    + MAX_ENCODED);
        }
        return der;
    }

    /**
     * @param der the DER of an attribute, e.g. {@code PKCS12Attribute.getEncoded()}
     * @return its single value as text
     * @throws IllegalArgumentException naming what is malformed (the message quotes no input octets)
     */
    public static String decode(byte[] der) {
        Objects.requireNonNull(der, "der");
        if (der.length > MAX_ENCODED) {
            throw new IllegalArgumentException("the attribute is " + der.length + " octets; at most " + MAX_ENCODED);
        }
        Reader outer = new Reader(der, 0, der.length);
        Reader attribute = outer.element(SEQUENCE, "the attribute");
        outer.end("the attribute");
        Reader oid = attribute.element(OBJECT_IDENTIFIER, "the attribute type");
        if (!Arrays.equals(oid.rest(), OID_CONTENT)) {
            throw new IllegalArgumentException("the attribute type is not the KpsaID attribute " + OID);
        }
        Reader values = attribute.element(SET, "the attribute values");
        attribute.end("the attribute");
        int count = 0;
        String value = null;
        while (values.hasMore()) {
            int tag = values.peekTag();
            Reader v = values.element(tag, "the attribute value");
            value = text(tag, v.rest());
            count++;
        }
        if (count != 1) {
            throw new IllegalArgumentException("the KpsaID attribute has " + count + " values; it must have exactly one");
        }
        return value;
    }

    private static String text(int tag, byte[] octets) {
        switch (tag) {
            case UTF8_STRING, OCTET_STRING -> {
                try {
                    return StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(octets)).toString();
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException("the KpsaID attribute value is not valid UTF-8");
                }
            }
            case PRINTABLE_STRING, IA5_STRING -> {
                for (byte b : octets) {
                    if (b < 0 || (tag == PRINTABLE_STRING && !printable((char) b))) {
                        throw new IllegalArgumentException("the KpsaID attribute value has a character its string type"
                                + " does not allow");
                    }
                }
                return new String(octets, StandardCharsets.US_ASCII);
            }
            default -> throw new IllegalArgumentException("the KpsaID attribute is not a string (tag 0x"
                    + Integer.toHexString(tag) + ")");
        }
    }

    /** X.680 PrintableString: letters, digits, space and {@code '()+,-./:=?}. */
    private static boolean printable(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || " '()+,-./:=?".indexOf(c) >= 0;
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 4);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xFF ? (n > 0xFFFF ? (n > 0xFFFFFF ? 4 : 3) : 2) : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** X.690 section 8.19: the first two arcs in one subidentifier, each in base 128, high bit = more. */
    private static byte[] oidContent(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BigInteger first = BigInteger.valueOf(Integer.parseInt(arcs[0]) * 40L).add(new BigInteger(arcs[1]));
        base128(out, first);
        for (int i = 2; i < arcs.length; i++) {
            base128(out, new BigInteger(arcs[i]));
        }
        return out.toByteArray();
    }

    private static void base128(ByteArrayOutputStream out, BigInteger v) {
        int groups = Math.max(1, (v.bitLength() + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            int seven = v.shiftRight(7 * g).intValue() & 0x7F;
            out.write(g > 0 ? seven | 0x80 : seven);
        }
    }

    /** Reads DER elements in {@code buf[pos, end)}. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        int peekTag() {
            return buf[pos] & 0xFF;
        }

        /** Reads one element with the given tag; returns a reader over its contents. */
        Reader element(int tag, String what) {
            if (pos >= end) {
                throw new IllegalArgumentException(what + " is missing (the encoding ends early)");
            }
            int t = buf[pos++] & 0xFF;
            if (t != tag) {
                throw new IllegalArgumentException(what + " has tag 0x" + Integer.toHexString(t) + ", expected 0x"
                        + Integer.toHexString(tag));
            }
            if (pos >= end) {
                throw new IllegalArgumentException(what + " has no length");
            }
            int first = buf[pos++] & 0xFF;
            int length;
            if (first < 0x80) {
                length = first;
            } else {
                int bytes = first & 0x7F;
                if (bytes == 0) {
                    throw new IllegalArgumentException(what + " has an indefinite length (not DER)");
                }
                if (bytes > 2) {
                    throw new IllegalArgumentException(what + " has a length of " + bytes + " octets; at most 2");
                }
                if (end - pos < bytes) {
                    throw new IllegalArgumentException(what + " has a truncated length");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = length << 8 | (buf[pos++] & 0xFF);
                }
                if (length < 0x80 || (bytes == 2 && length < 0x100)) {
                    throw new IllegalArgumentException(what + " has a length in more octets than needed (not DER)");
                }
            }
            if (length > end - pos) {
                throw new IllegalArgumentException(what + " is longer (" + length + " octets) than what contains it ("
                        + (end - pos) + ")");
            }
            Reader contents = new Reader(buf, pos, pos + length);
            pos += length;
            return contents;
        }

        byte[] rest() {
            byte[] r = Arrays.copyOfRange(buf, pos, end);
            pos = end;
            return r;
        }

        void end(String what) {
            if (pos != end) {
                throw new IllegalArgumentException((end - pos) + " unexpected octets after " + what);
            }
        }
    }
}
