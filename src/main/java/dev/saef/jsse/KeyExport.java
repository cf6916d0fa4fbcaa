package dev.saef.jsse;

import dev.saef.keys.PskSecretKey;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLKeyException;
import javax.net.ssl.SSLSession;

/**
 * TLS key export (RFC 5705) and the oneM2M keys built on it (TS-0003 clause 10.3.1): the Enrolment
 * Key Ke with RelativeKeID ({@code EXPORTER-oneM2M-Bootstrap}), the M2M Secure Connection Key Kc with
 * KcID ({@code EXPORTER-oneM2M-Connection}) and the pairwiseE2EKey with its ID
 * ({@code EXPORTER-oneM2M-ESCertKE}). Each is a 48-octet export: the key is the 32 least significant
 * octets (the last 32), the identifier the 16 most significant (the first 16); {@link
 * ExportedKey#keyId(String)} forms KeID (clause 10.3.4) and the MAF Key Identifier (clause 10.3.5).
 *
 * <p>Works on Java 17 and later with SAEF sessions; on Java 25 and later it also reaches the JDK's own
 * sessions (a connection handed off to SunJSSE) through {@code ExtendedSSLSession}'s
 * {@code exportKeyingMaterialData}. Export needs an open connection whose handshake completed with the
 * extended master secret (RFC 7627 section 5.4); the errors say which condition failed. Keys and
 * octets returned belong to the caller: destroy or zero them after use.
 */
public final class KeyExport {

    /** Clause 10.3.1: label of the Enrolment Key (Ke) and RelativeKeID export. */
    public static final String ENROLMENT_LABEL = "EXPORTER-oneM2M-Bootstrap";
    /** Clause 10.3.1: label of the M2M Secure Connection Key (Kc) and KcID export. */
    public static final String SECURE_CONNECTION_LABEL = "EXPORTER-oneM2M-Connection";
    /** Clause 10.3.1: label of the pairwiseE2EKey and pairwiseE2EKeyID export. */
    public static final String PAIRWISE_E2E_LABEL = "EXPORTER-oneM2M-ESCertKE";

    private static final int EXPORT_LENGTH = 48;
    private static final int ID_LENGTH = 16;

    private KeyExport() {
    }

    /**
     * A key and its identifier exported per clause 10.3.1.
     *
     * @param key the 32 least significant octets of the export, as a destroyable key
     * @param id the 16 most significant octets (RelativeKeID, KcID or pairwiseE2EKeyID)
     */
    public record ExportedKey(PskSecretKey key, byte[] id) {

        /** Copies {@code id}. */
        public ExportedKey {
            Objects.requireNonNull(key, "key");
            id = id.clone();
        }

        @Override
        public byte[] id() {
            return id.clone();
        }

        /**
         * @param fqdn the FQDN of the M2M Enrolment Function (KeID, clause 10.3.4) or of the M2M
         *     Authentication Function (Key Identifier, clause 10.3.5)
         * @return {@code hexBinary(id)@fqdn}, lower-case hex
         */
        public String keyId(String fqdn) {
            if (fqdn == null || fqdn.isEmpty()) {
                throw new IllegalArgumentException("the FQDN of the key identifier is missing");
            }
            return HexFormat.of().formatHex(id) + "@" + fqdn;
        }

        /** @return the identifier in hex; no key material */
        @Override
        public String toString() {
            return "ExportedKey[id=" + HexFormat.of().formatHex(id) + ", key=<" + key.length() + " octets>]";
        }
    }

    /**
     * RFC 5705 export from an established session.
     *
     * @param session a session of an open connection (SAEF's; on Java 25+ also the JDK's)
     * @param label the exporter label, printable ASCII
     * @param context the context value, or null for none (not the same as empty)
     * @param length octets wanted
     * @return fresh octets the caller owns
     * @throws SSLKeyException when the session cannot export, naming why
     */
    public static byte[] exportKeyingMaterial(SSLSession session, String label, byte[] context, int length)
            throws SSLKeyException {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(label, "label");
        if (session instanceof SaefSSLSession saef) {
            return saef.exportKeyingMaterialData(label, context, length);
        }
        return jdkExport(session, label, context, length);
    }

    /** Clause 10.3.1: Ke and RelativeKeID. */
    public static ExportedKey enrolmentKey(SSLSession session) throws SSLKeyException {
        return export(session, ENROLMENT_LABEL);
    }

    /** Clause 10.3.1: Kc and KcID. */
    public static ExportedKey secureConnectionKey(SSLSession session) throws SSLKeyException {
        return export(session, SECURE_CONNECTION_LABEL);
    }

    /** Clause 10.3.1: pairwiseE2EKey and pairwiseE2EKeyID. */
    public static ExportedKey pairwiseE2EKey(SSLSession session) throws SSLKeyException {
        return export(session, PAIRWISE_E2E_LABEL);
    }

    private static ExportedKey export(SSLSession session, String label) throws SSLKeyException {
        byte[] all = exportKeyingMaterial(session, label, null, EXPORT_LENGTH);
        byte[] key = Arrays.copyOfRange(all, ID_LENGTH, EXPORT_LENGTH);
        try {
            return new ExportedKey(new PskSecretKey(key), Arrays.copyOfRange(all, 0, ID_LENGTH));
        } finally {
            Arrays.fill(all, (byte) 0);
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Java 25's ExtendedSSLSession.exportKeyingMaterialData, called reflectively so this compiles for 17. */
    private static byte[] jdkExport(SSLSession session, String label, byte[] context, int length)
            throws SSLKeyException {
        if (!(session instanceof ExtendedSSLSession)) {
            throw new UnsupportedOperationException("key export needs an ExtendedSSLSession; got "
                    + session.getClass().getName());
        }
        Method m;
        try {
            m = ExtendedSSLSession.class.getMethod("exportKeyingMaterialData", String.class, byte[].class, int.class);
        } catch (NoSuchMethodException e) {
            throw new UnsupportedOperationException("this session (" + session.getClass().getName() + ") is not a SAEF"
                    + " session, and this JDK (" + Runtime.version() + ") has no key export of its own (Java 25+)");
        }
        try {
            return (byte[]) m.invoke(session, label, context, length);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof SSLKeyException k) {
                throw k;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            SSLKeyException x = new SSLKeyException("key export failed: " + c);
            x.initCause(c);
            throw x;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
