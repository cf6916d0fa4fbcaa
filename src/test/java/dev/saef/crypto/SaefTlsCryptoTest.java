package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;

import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link SaefTlsCrypto} advertises AES-CCM and AES-GCM and keeps the CCM and GCM (PSK) suites. */
class SaefTlsCryptoTest
{
    private static final int[] CCM_ALGORITHMS = {
        EncryptionAlgorithm.AES_128_CCM, EncryptionAlgorithm.AES_128_CCM_8,
        EncryptionAlgorithm.AES_256_CCM, EncryptionAlgorithm.AES_256_CCM_8 };

    /** RFC 6655 PSK and DHE_PSK/PSK_DHE suites, RFC 8442 ECDHE_PSK suites, RFC 8446 TLS 1.3 suites. */
    static final int[] CCM_PSK_SUITES = {
        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,      // TS-0003 clause 10.2.2: mandatory for DTLS
        CipherSuite.TLS_PSK_WITH_AES_256_CCM_8,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM,
        CipherSuite.TLS_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_CCM,
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_CCM,
        CipherSuite.TLS_PSK_DHE_WITH_AES_128_CCM_8,
        CipherSuite.TLS_PSK_DHE_WITH_AES_256_CCM_8,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256,
        CipherSuite.TLS_AES_128_CCM_SHA256,
        CipherSuite.TLS_AES_128_CCM_8_SHA256 };

    private final SaefTlsCrypto crypto = SaefTlsCrypto.create(new SecureRandom());

    @Test
    void reportsAllAesCcmEncryptionAlgorithms()
    {
        for (int alg : CCM_ALGORITHMS)
        {
            assertTrue(crypto.hasEncryptionAlgorithm(alg), "hasEncryptionAlgorithm " + alg);
            assertEquals(Boolean.TRUE, crypto.isSupportedEncryptionAlgorithm(alg), "isSupported " + alg);
            assertTrue(SaefTlsCrypto.isAesCcm(alg));
        }
        assertFalse(SaefTlsCrypto.isAesCcm(EncryptionAlgorithm.AES_128_GCM));
        assertFalse(SaefTlsCrypto.isAesCcm(EncryptionAlgorithm.SM4_CCM));
    }

    /** RFC 5288 / RFC 5487 AES-GCM (TS-0003 clause 10.2.2 PSK suites) is routed to AesGcm and still advertised. */
    @Test
    void reportsAesGcmEncryptionAlgorithms()
    {
        for (int alg : new int[] { EncryptionAlgorithm.AES_128_GCM, EncryptionAlgorithm.AES_256_GCM })
        {
            assertTrue(SaefTlsCrypto.isAesGcm(alg));
            assertFalse(SaefTlsCrypto.isAesCcm(alg));
            assertTrue(crypto.hasEncryptionAlgorithm(alg));
        }
        for (int alg : CCM_ALGORITHMS)
        {
            assertFalse(SaefTlsCrypto.isAesGcm(alg));
        }
        assertFalse(SaefTlsCrypto.isAesGcm(EncryptionAlgorithm.ARIA_128_GCM));
        assertFalse(SaefTlsCrypto.isAesGcm(EncryptionAlgorithm.AES_128_CBC));
        int[] gcmPskSuites = {
            CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384 };
        assertArrayEquals(gcmPskSuites, TlsUtils.getSupportedCipherSuites(crypto, gcmPskSuites));
    }

    @Test
    void otherAlgorithmsAreStillDelegated()
    {
        assertTrue(crypto.hasEncryptionAlgorithm(EncryptionAlgorithm.AES_128_GCM));
        assertTrue(crypto.hasEncryptionAlgorithm(EncryptionAlgorithm.AES_256_GCM));
        assertTrue(crypto.hasEncryptionAlgorithm(EncryptionAlgorithm.AES_128_CBC));
        assertFalse(crypto.hasEncryptionAlgorithm(-1));
    }

    @Test
    void keepsEveryCcmPskSuite()
    {
        int[] supported = TlsUtils.getSupportedCipherSuites(crypto, CCM_PSK_SUITES);
        assertArrayEquals(CCM_PSK_SUITES, supported, "dropped: " + Arrays.toString(
            Arrays.stream(CCM_PSK_SUITES).filter(s -> Arrays.stream(supported).noneMatch(t -> t == s))
                .mapToObj(Integer::toHexString).toArray()));
        for (int suite : CCM_PSK_SUITES)
        {
            assertTrue(TlsUtils.isSupportedCipherSuite(crypto, suite), Integer.toHexString(suite));
        }
    }

    /** The gap this class fills: BC's JCA crypto over the JDK providers drops all CCM suites. */
    @Test
    void plainJcaTlsCryptoOnJdkProvidersDropsCcm()
    {
        Assumptions.assumeFalse(someProviderHasAesCcm(), "a JCE provider with AES/CCM is installed in this JVM");
        TlsCrypto plain = new JcaTlsCryptoProvider().create(new SecureRandom());
        assertFalse(plain.hasEncryptionAlgorithm(EncryptionAlgorithm.AES_128_CCM_8));
        assertEquals(0, TlsUtils.getSupportedCipherSuites(plain, CCM_PSK_SUITES).length);
    }

    @Test
    void factoryAcceptsNullRandom()
    {
        SaefTlsCrypto c = SaefTlsCrypto.create(null);
        assertNotNull(c.getSecureRandom());
        assertTrue(c.hasEncryptionAlgorithm(EncryptionAlgorithm.AES_128_CCM_8));
    }

    @Test
    void factoryWithSeparateNonceSource()
    {
        SecureRandom keys = new SecureRandom(), nonces = new SecureRandom();
        SaefTlsCrypto c = SaefTlsCrypto.create(keys, nonces);
        assertTrue(c.getSecureRandom() == keys);
        assertNotNull(c.createNonceGenerator(new byte[0]).generateNonce(32));
        org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
            () -> SaefTlsCrypto.create(keys, null));
    }

    private static boolean someProviderHasAesCcm()
    {
        try
        {
            Cipher.getInstance("AES/CCM/NoPadding");
            return true;
        }
        catch (NoSuchAlgorithmException | NoSuchPaddingException e)
        {
            return false;
        }
    }
}
