package dev.saef.crypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsHMAC;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipher;
import org.bouncycastle.tls.crypto.impl.TlsBlockCipher;
import org.bouncycastle.tls.crypto.impl.TlsBlockCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * Bouncy Castle {@link org.bouncycastle.tls.crypto.TlsCrypto} on the JDK's providers (SunJCE,
 * SunEC, ...) with its own AEAD record ciphers: AES-CCM supplied by {@link AesCcm} and AES-GCM
 * supplied by {@link AesGcm}.
 *
 * <h2>AES-CCM</h2>
 * The JDK providers do not offer an {@code AES/CCM/NoPadding} cipher, so a plain
 * {@link JcaTlsCrypto} over {@link DefaultJcaJceHelper} reports the CCM encryption algorithms as
 * unsupported and silently drops every CCM cipher suite, among them
 * {@code TLS_PSK_WITH_AES_128_CCM_8}, which oneM2M TS-0003 clause 10.2.2 makes mandatory for
 * DTLS. This class supplies the four AES-CCM record ciphers of RFC 6655 (CCM per RFC 3610),
 * which are also used by the DHE_PSK/PSK_DHE suites of RFC 6655, the ECDHE_PSK suites of
 * RFC 8442 and the TLS 1.3 suites {@code TLS_AES_128_CCM_SHA256} /
 * {@code TLS_AES_128_CCM_8_SHA256}:
 * <ul>
 * <li>{@link EncryptionAlgorithm#AES_128_CCM}: 16-octet key, 16-octet tag</li>
 * <li>{@link EncryptionAlgorithm#AES_128_CCM_8}: 16-octet key, 8-octet tag</li>
 * <li>{@link EncryptionAlgorithm#AES_256_CCM}: 32-octet key, 16-octet tag</li>
 * <li>{@link EncryptionAlgorithm#AES_256_CCM_8}: 32-octet key, 8-octet tag</li>
 * </ul>
 *
 * <h2>AES-GCM</h2>
 * {@link JcaTlsCrypto} does support AES-GCM, but through its generic {@code JceAEADCipherImpl},
 * which creates and encodes an {@code AlgorithmParameters} object (a provider lookup) for every
 * record. The AES-GCM suites of RFC 5288 and the PSK / DHE_PSK AES-GCM suites of RFC 5487 that
 * TS-0003 clause 10.2.2 lists ({@code TLS_PSK_WITH_AES_128_GCM_SHA256},
 * {@code TLS_PSK_WITH_AES_256_GCM_SHA384}, {@code TLS_DHE_PSK_WITH_AES_128_GCM_SHA256}, ...) are
 * therefore routed to {@link AesGcm}, which initialises the JDK's {@code AES/GCM/NoPadding}
 * directly with a {@code GCMParameterSpec}:
 * <ul>
 * <li>{@link EncryptionAlgorithm#AES_128_GCM}: 16-octet key, 16-octet tag</li>
 * <li>{@link EncryptionAlgorithm#AES_256_GCM}: 32-octet key, 16-octet tag</li>
 * </ul>
 * Over TLS 1.2 on TCP both AEAD modes run in {@link AeadRecordCipher}, which produces the records
 * Bouncy Castle's {@code TlsAEADCipher} produces, encoded without a new array per record
 * ({@link RecordScratch}); AES-CBC likewise encodes in {@link CbcRecordCipher} and decodes in Bouncy
 * Castle's {@code TlsBlockCipher}. Elsewhere (DTLS, TLS 1.3, connection IDs, a FIPS nonce generator)
 * the record cipher is built exactly as {@code JcaTlsCrypto.createCipher_AES_GCM} builds it,
 * including the {@link #getFipsGCMNonceGeneratorFactory()} argument (by default {@code null}, so
 * the TLS 1.2 {@code nonce_explicit} is the record sequence number, RFC 5288 section 3).
 *
 * <h2>Secrets</h2>
 * {@link #createSecret} returns a {@link SaefTlsSecret}, whose TLS 1.2 PRF leaves no copy of the
 * secret behind (no JCA {@code Mac}, no {@code SecretKeySpec}), and zeroes the caller's array once
 * copied. Together with {@link SaefKeyExchangeFactory} (the premaster built without leftover
 * copies) this means no octet of a Kpsa (TS-0003 clause 8.2.2.1, the TLS {@code psk}) outlives the
 * handshake in Bouncy Castle's code.
 *
 * <p>Every other algorithm is delegated to {@link JcaTlsCrypto} unchanged.
 *
 * <p>In {@code JcaTlsCrypto} the only gate on CCM is
 * {@code hasEncryptionAlgorithm} (backed by a per-instance cache filled by
 * {@code isSupportedEncryptionAlgorithm}, which probes for {@code AES/CCM/NoPadding}); both are
 * overridden here so that {@link org.bouncycastle.tls.TlsUtils#isSupportedCipherSuite} and
 * {@link org.bouncycastle.tls.TlsUtils#getSupportedCipherSuites} keep the CCM suites. AEAD suites
 * have MAC algorithm {@code null}, and the PSK, DHE_PSK and ECDHE_PSK key exchanges only need
 * {@code hasDHAgreement()} / {@code hasECDHAgreement()}, which {@code JcaTlsCrypto} always
 * grants. GCM support is still reported by {@code JcaTlsCrypto}'s own probe for
 * {@code AES/GCM/NoPadding}, which is the transformation {@link AesGcm} uses.
 *
 * <p>Instances are as thread-safe as {@link JcaTlsCrypto}; the record ciphers created by
 * {@link #createCipher} belong to one connection.
 */
public final class SaefTlsCrypto extends JcaTlsCrypto
{
    /** The connections' nonce generator: shared, striped by thread (no DRBG per connection). */
    private final StripedNonceGenerator nonces;

    private SaefTlsCrypto(SecureRandom entropySource, SecureRandom nonceEntropySource)
    {
        super(new DefaultJcaJceHelper(), entropySource, nonceEntropySource);
        this.nonces = new StripedNonceGenerator(super::createNonceGenerator);
    }

    /**
     * The nonce generator of every connection on this crypto: one {@link StripedNonceGenerator}
     * (a few Hash_DRBGs seeded from the nonce entropy source, shared) instead of a new DRBG per
     * connection, which an idle connection would keep; {@code additionalSeedMaterial} (Bouncy
     * Castle's per-connection personalisation) is not needed for that.
     */
    @Override
    public TlsNonceGenerator createNonceGenerator(byte[] additionalSeedMaterial)
    {
        return nonces;
    }

    /**
     * Creates a crypto instance on the JDK's default providers.
     *
     * @param random entropy source for key material and for nonces (client/server random,
     *               explicit nonces); {@code null} means a new default {@link SecureRandom}
     * @return a new crypto instance with AES-CCM support
     */
    public static SaefTlsCrypto create(SecureRandom random)
    {
        SecureRandom r = random != null ? random : new SecureRandom();
        return new SaefTlsCrypto(r, r);
    }

    /**
     * Creates a crypto instance on the JDK's default providers with separate entropy sources, so
     * that values sent in clear (randoms, nonces) are not drawn from the generator that produces
     * key material.
     *
     * @param keyRandom   entropy source for key material
     * @param nonceRandom entropy source for nonces and other public random values
     * @return a new crypto instance with AES-CCM support
     * @throws NullPointerException if either argument is {@code null}
     */
    public static SaefTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom)
    {
        if (keyRandom == null || nonceRandom == null)
        {
            throw new NullPointerException("keyRandom and nonceRandom are required");
        }
        return new SaefTlsCrypto(keyRandom, nonceRandom);
    }

    /**
     * Tells whether {@code encryptionAlgorithm} is one of the four AES-CCM record ciphers provided
     * by this class.
     *
     * @param encryptionAlgorithm an {@link EncryptionAlgorithm} code
     * @return {@code true} for AES_128_CCM, AES_128_CCM_8, AES_256_CCM and AES_256_CCM_8
     */
    public static boolean isAesCcm(int encryptionAlgorithm)
    {
        switch (encryptionAlgorithm)
        {
        case EncryptionAlgorithm.AES_128_CCM:
        case EncryptionAlgorithm.AES_128_CCM_8:
        case EncryptionAlgorithm.AES_256_CCM:
        case EncryptionAlgorithm.AES_256_CCM_8:
            return true;
        default:
            return false;
        }
    }

    /**
     * Tells whether {@code encryptionAlgorithm} is one of the two AES-GCM record ciphers provided
     * by {@link AesGcm}.
     *
     * @param encryptionAlgorithm an {@link EncryptionAlgorithm} code
     * @return {@code true} for AES_128_GCM and AES_256_GCM
     */
    public static boolean isAesGcm(int encryptionAlgorithm)
    {
        return encryptionAlgorithm == EncryptionAlgorithm.AES_128_GCM
            || encryptionAlgorithm == EncryptionAlgorithm.AES_256_GCM;
    }

    @Override
    public TlsCipher createCipher(TlsCryptoParameters cryptoParams, int encryptionAlgorithm, int macAlgorithm)
        throws IOException
    {
        switch (encryptionAlgorithm)
        {
        case EncryptionAlgorithm.AES_128_CCM:
            return createAesCcm(cryptoParams, 16, 16);
        case EncryptionAlgorithm.AES_128_CCM_8:
            return createAesCcm(cryptoParams, 16, 8);
        case EncryptionAlgorithm.AES_256_CCM:
            return createAesCcm(cryptoParams, 32, 16);
        case EncryptionAlgorithm.AES_256_CCM_8:
            return createAesCcm(cryptoParams, 32, 8);
        case EncryptionAlgorithm.AES_128_GCM:
            return createAesGcm(cryptoParams, 16);
        case EncryptionAlgorithm.AES_256_GCM:
            return createAesGcm(cryptoParams, 32);
        case EncryptionAlgorithm.AES_128_CBC:
        case EncryptionAlgorithm.AES_256_CBC:
            return new BadRecordMacCipher(super.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm));
        default:
            return super.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
        }
    }

    /**
     * Adopts a copy of {@code data} as a {@link SaefTlsSecret} and zeroes {@code data} (Bouncy
     * Castle's {@code JcaTlsCrypto} copies it and leaves it as it is; every caller in Bouncy Castle
     * 1.84 passes a temporary array: the PSK premaster, the SRP premaster, a decrypted RSA premaster,
     * the copy {@code adoptSecret} makes of a session's master secret).
     *
     * @param data the secret octets; zeroed on return
     * @return a secret that owns a copy of them
     */
    @Override
    public TlsSecret createSecret(byte[] data) {
        if (data == null) {
            return super.createSecret(null);
        }
        try {
            return new SaefTlsSecret(this, data.clone());
        } finally {
            Arrays.fill(data, (byte) 0);
        }
    }

    @Override
    public boolean hasEncryptionAlgorithm(int encryptionAlgorithm)
    {
        return isAesCcm(encryptionAlgorithm) || super.hasEncryptionAlgorithm(encryptionAlgorithm);
    }

    @Override
    protected Boolean isSupportedEncryptionAlgorithm(int encryptionAlgorithm)
    {
        // Keeps JcaTlsCrypto's internal cache consistent with hasEncryptionAlgorithm above.
        return isAesCcm(encryptionAlgorithm) ? Boolean.TRUE : super.isSupportedEncryptionAlgorithm(encryptionAlgorithm);
    }

    /**
     * The CBC cipher Bouncy Castle would use, wrapped so that the in-place encryption and decryption
     * of each record allocates nothing (see {@link InPlaceBlockCipher}).
     */
    @Override
    protected TlsBlockCipherImpl createCBCBlockCipherImpl(TlsCryptoParameters cryptoParams, String algorithm,
        int cipherKeySize, boolean forEncryption) throws GeneralSecurityException
    {
        return new InPlaceBlockCipher(super.createCBCBlockCipherImpl(cryptoParams, algorithm, cipherKeySize,
            forEncryption));
    }

    /**
     * For AES over TLS 1.2 (TCP), a {@link CbcRecordCipher}: Bouncy Castle's {@code TlsBlockCipher}
     * decodes (constant-time padding and MAC check), {@link CbcRecordCipher} encodes into the thread's
     * {@link RecordScratch} buffer. Built as {@code JcaTlsCrypto.createCipher_CBC} builds its cipher,
     * with a {@link CbcEncryptor} as the encrypting half; other cases are left to it.
     */
    @Override
    protected TlsCipher createCipher_CBC(TlsCryptoParameters cryptoParams, String algorithm, int cipherKeySize,
        int macAlgorithm) throws GeneralSecurityException, IOException
    {
        if (!"AES".equals(algorithm) || !CbcRecordCipher.supports(cryptoParams))
        {
            return super.createCipher_CBC(cryptoParams, algorithm, cipherKeySize, macAlgorithm);
        }
        CbcEncryptor encrypt = new CbcEncryptor(getHelper().createCipher("AES/CBC/NoPadding"), cipherKeySize);
        TlsBlockCipherImpl decrypt = createCBCBlockCipherImpl(cryptoParams, algorithm, cipherKeySize, false);
        TlsHMAC clientMac = createMAC(cryptoParams, macAlgorithm);
        TlsHMAC serverMac = createMAC(cryptoParams, macAlgorithm);
        TlsBlockCipher decoder = new TlsBlockCipher(cryptoParams, encrypt, decrypt, clientMac, serverMac,
            cipherKeySize);
        return new CbcRecordCipher(cryptoParams, decoder, encrypt, cryptoParams.isServer() ? serverMac : clientMac);
    }

    private static TlsCipher createAesCcm(TlsCryptoParameters cryptoParams, int keySize, int macSize)
        throws IOException
    {
        if (AeadRecordCipher.supports(cryptoParams))
        {
            return new AeadRecordCipher(cryptoParams, new AesCcm(true), new AesCcm(false), keySize, macSize);
        }
        // CCM takes no nonce-generator factory (BC only uses one for GCM); null is what
        // JcaTlsCrypto itself passes for CCM, and avoids the deprecated 6-argument constructor.
        return new TlsAEADCipher(cryptoParams, new AesCcm(true), new AesCcm(false), keySize, macSize,
            TlsAEADCipher.AEAD_CCM, null);
    }

    /**
     * Mirrors {@code JcaTlsCrypto.createCipher_AES_GCM}: 16-octet tag, {@code AEAD_GCM} nonce
     * handling (RFC 5288 implicit salt plus explicit nonce in TLS 1.2, RFC 8446 XORed sequence
     * number in TLS 1.3) and the same optional FIPS nonce-generator factory.
     */
    private TlsCipher createAesGcm(TlsCryptoParameters cryptoParams, int keySize) throws IOException
    {
        if (getFipsGCMNonceGeneratorFactory() == null && AeadRecordCipher.supports(cryptoParams))
        {
            return new AeadRecordCipher(cryptoParams, new AesGcm(true), new AesGcm(false), keySize,
                AesGcm.TAG_LENGTH);
        }
        return new TlsAEADCipher(cryptoParams, new AesGcm(true), new AesGcm(false), keySize, AesGcm.TAG_LENGTH,
            TlsAEADCipher.AEAD_GCM, getFipsGCMNonceGeneratorFactory());
    }
}
