package dev.saef.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key derivations of TS-0003 clauses 10.3.2 and 10.3.3, from an Enrolment Key Ke (exported per
 * clause 10.3.1, see {@code dev.saef.jsse.KeyExport#enrolmentKey}):
 * <ul>
 *   <li>Master Credential: {@code Km := HMAC-SHA-256(Ke, "oneM2M Enrolment Key to Master Credential
 *       derivation" || MAF-ID)};
 *   <li>Provisioned Secure Connection Key: {@code Kpsa := HMAC-SHA-256(Ke, "oneM2M Enrolment Key to
 *       Provisioned Secure Connection Key derivation" || Enrolee-B-ID)}, the key of a PSK-SAEF
 *       association that remote provisioning (clause 8.3) ends in.
 * </ul>
 * Identifiers are encoded as UTF-8 after Unicode Normalization Form KC (RFC 3629, NFKC), as the
 * clauses require. HMAC-SHA-256 is the JDK's ({@code Mac "HmacSHA256"}); its internal pads are not
 * reachable for wiping, the octet copies made here are zeroed.
 */
public final class KeyDerivation {

    static final String MASTER_CREDENTIAL_LABEL = "oneM2M Enrolment Key to Master Credential derivation";
    static final String KPSA_LABEL = "oneM2M Enrolment Key to Provisioned Secure Connection Key derivation";

    private KeyDerivation() {
    }

    /**
     * Clause 10.3.2.
     *
     * @param ke the Enrolment Key
     * @param mafId the M2M Authentication Function Identifier
     * @return Km, 32 octets, owned by the caller
     * @throws InvalidKeyException when {@code ke} has no usable encoding
     */
    public static PskSecretKey masterCredential(SecretKey ke, String mafId) throws InvalidKeyException {
        return derive(ke, MASTER_CREDENTIAL_LABEL, mafId, "MAF-ID");
    }

    /**
     * Clause 10.3.3.
     *
     * @param ke the Enrolment Key
     * @param enroleeBId Enrolee B's CSE-ID or AE-ID
     * @return Kpsa, 32 octets, owned by the caller; store it with the KpsaID agreed for the
     *     association (e.g. {@code KeyStoreKeyWriter.storeKey}) to make it a PSK-SAEF association
     * @throws InvalidKeyException when {@code ke} has no usable encoding
     */
    public static PskSecretKey provisionedKpsa(SecretKey ke, String enroleeBId) throws InvalidKeyException {
        return derive(ke, KPSA_LABEL, enroleeBId, "Enrolee-B-ID");
    }

    private static PskSecretKey derive(SecretKey ke, String label, String id, String what) throws InvalidKeyException {
        Objects.requireNonNull(ke, "ke");
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " is missing");
        }
        byte[] k = ke.getEncoded();
        if (k == null || k.length == 0) {
            throw new InvalidKeyException("the Enrolment Key has no encoding (a destroyed or hardware key?)");
        }
        byte[] out = null;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(k, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update(Normalizer.normalize(id, Normalizer.Form.NFKC).getBytes(StandardCharsets.UTF_8));
            out = mac.doFinal();
            return new PskSecretKey(out);
        } catch (InvalidKeyException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        } finally {
            Arrays.fill(k, (byte) 0);
            if (out != null) {
                Arrays.fill(out, (byte) 0);
            }
        }
    }
}
