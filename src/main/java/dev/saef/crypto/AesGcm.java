package dev.saef.crypto;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;

/**
 * AES-GCM (NIST SP 800-38D) record protection straight on the JDK's
 * {@code AES/GCM/NoPadding} transformation, preferably SunJCE's, which uses the AES-NI and
 * carry-less-multiply intrinsics.
 *
 * <p>This is the record-protection primitive behind the TLS 1.2 AES-GCM cipher suites of
 * RFC 5288 and the PSK / DHE_PSK AES-GCM suites of RFC 5487 ({@code TLS_PSK_WITH_AES_128_GCM_SHA256},
 * {@code TLS_PSK_WITH_AES_256_GCM_SHA384}, {@code TLS_DHE_PSK_WITH_AES_128_GCM_SHA256}, ...), which
 * oneM2M TS-0003 clause 10.2.2 lists for the PSK-based security association establishment. It is
 * plugged into Bouncy Castle's TLS stack by {@link SaefTlsCrypto} as the {@link TlsAEADCipherImpl}
 * of a {@link org.bouncycastle.tls.crypto.impl.TlsAEADCipher}, replacing BC's generic
 * {@code JceAEADCipherImpl}, which looks up and encodes {@code AlgorithmParameters} for every
 * record. Here each record costs one {@link Cipher#init(int, java.security.Key,
 * java.security.spec.AlgorithmParameterSpec) Cipher.init} with a {@link GCMParameterSpec}, one
 * {@link Cipher#updateAAD(byte[]) updateAAD} and one {@link Cipher#doFinal(byte[], int, int, byte[], int)
 * doFinal}.
 *
 * <h2>Parameters</h2>
 * A 12-octet nonce and a 16-octet tag, the only shape TLS uses: RFC 5288 section 3 builds the
 * nonce as the 4-octet implicit {@code salt} from the key block followed by the 8-octet
 * {@code nonce_explicit} carried in the record (Bouncy Castle's {@code TlsAEADCipher} writes the
 * record sequence number there, or the output of a FIPS nonce generator if the crypto supplies
 * one), and mandates the full 16-octet tag. AES keys of 16, 24 or 32 octets are accepted.
 *
 * <h2>Calling pattern and nonce reuse</h2>
 * {@code TlsAEADCipher} calls {@link #init} with a fresh nonce, then {@link #getOutputSize}, then
 * {@link #doFinal}, once per record. {@link #init} and {@link #getOutputSize} do not touch the JCE
 * cipher; the JCE cipher is initialised inside {@link #doFinal}, so it is initialised exactly
 * once per record that is actually protected. SunJCE refuses to initialise an encrypting GCM
 * cipher with the key and IV of its previous initialisation; since TLS never repeats a nonce
 * under a key that check is never triggered in normal operation, and if it ever were (a nonce
 * reused back to back), {@link #doFinal} fails with {@code internal_error} instead of
 * encrypting. Independently of the JDK, each {@link #doFinal} consumes the nonce given to
 * {@link #init}: a second {@code doFinal} without a fresh {@code init} is refused.
 *
 * <h2>Security properties</h2>
 * <ul>
 * <li>On decryption no plaintext is released unless the tag verifies: a tag mismatch throws
 * {@link TlsFatalAlert} with {@link AlertDescription#bad_record_mac}, and the output range then
 * holds either what it held before or zeros. With SunJCE the record is decrypted directly into
 * the caller's buffer: up to Java 21 SunJCE checks the tag before it decrypts a single octet; on
 * Java 25 it decrypts in place first and leaves the unauthenticated plaintext behind on a tag
 * mismatch, so this class zeroes the output range whenever the tag does not verify. With any
 * other provider the plaintext goes to a private scratch buffer first and is copied out only
 * after {@code doFinal} returned successfully.</li>
 * <li>Input and output may be the same array at the same offset, as in Bouncy Castle's in-place
 * record encryption and decryption (the JCE {@code doFinal} contract is copy-safe for
 * overlapping buffers).</li>
 * <li>The only copy of the key this class makes is held in a private {@link SecretKey} that is
 * zeroed when the key is replaced ({@link #setKey}) or on {@link #destroy()}. The JCE provider
 * keeps its own derived state (AES round keys, and for SunJCE encryption the last key, for its
 * reuse check) inside the {@link Cipher} object, as it does for SunJSSE.</li>
 * </ul>
 *
 * <p>Instances are <strong>not</strong> thread-safe. The intended use is one instance per
 * direction per connection.
 */
public final class AesGcm implements TlsAEADCipherImpl
{
    /** Tag length in octets (RFC 5288 section 3: the full 16-octet GCM tag). */
    public static final int TAG_LENGTH = 16;

    /** Nonce length in octets (RFC 5288 section 3: 4-octet salt plus 8-octet nonce_explicit). */
    public static final int NONCE_LENGTH = 12;

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final String PREFERRED_PROVIDER = "SunJCE";

    private final boolean encrypting;
    private final Cipher cipher;
    /**
     * True if the provider is known to verify the tag before it writes any plaintext (SunJCE), so
     * that decryption may go straight into the caller's buffer.
     */
    private final boolean directDecrypt;

    private AesKey key;

    /**
     * Nonce and tag length of the pending operation (set by init, consumed by doFinal): made in
     * {@link #init} instead of {@link #doFinal}, so that an idle instance holds no nonce array of its own
     * (the JCE needs a fresh parameter object per record either way).
     */
    private GCMParameterSpec pending;
    private boolean ready;

    /**
     * Creates an AES-GCM operator for one direction on the JDK's {@code AES/GCM/NoPadding},
     * preferring SunJCE even if another provider, e.g. Bouncy Castle, has been installed at a
     * higher priority.
     *
     * @param encrypting {@code true} to seal (encrypt and append the tag), {@code false} to open
     *                   (verify the tag and decrypt)
     * @throws IllegalStateException if no provider offers {@code AES/GCM/NoPadding}
     */
    public AesGcm(boolean encrypting)
    {
        this(encrypting, jdkCipher());
    }

    /** For tests: runs on the given (uninitialised) {@code AES/GCM/NoPadding} cipher. */
    AesGcm(boolean encrypting, Cipher cipher)
    {
        this.encrypting = encrypting;
        this.cipher = cipher;
        this.directDecrypt = PREFERRED_PROVIDER.equals(cipher.getProvider().getName());
    }

    private static Cipher jdkCipher()
    {
        try
        {
            return Cipher.getInstance(TRANSFORMATION, PREFERRED_PROVIDER);
        }
        catch (GeneralSecurityException preferredMissing)
        {
            try
            {
                return Cipher.getInstance(TRANSFORMATION);
            }
            catch (GeneralSecurityException e)
            {
                IllegalStateException ise = new IllegalStateException(TRANSFORMATION + " not available", e);
                ise.addSuppressed(preferredMissing);
                throw ise;
            }
        }
    }

    /** @return {@code true} if this instance encrypts, {@code false} if it decrypts */
    public boolean isEncrypting()
    {
        return encrypting;
    }

    /** @return the name of the JCE provider doing the work, normally {@code SunJCE} */
    public String providerName()
    {
        return cipher.getProvider().getName();
    }

    @Override
    public void setKey(byte[] keyBytes, int keyOff, int keyLen) throws IOException
    {
        this.ready = false; // a pending nonce never carries over to a new key
        this.pending = null;
        if (keyBytes == null || keyOff < 0 || keyLen < 0 || keyOff > keyBytes.length - keyLen)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-GCM: invalid key range");
        }
        if (keyLen != 16 && keyLen != 24 && keyLen != 32)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-GCM: invalid AES key length " + keyLen);
        }
        destroy();
        this.key = new AesKey(keyBytes, keyOff, keyLen);
    }

    /**
     * Zeroes this instance's copy of the key; {@link #doFinal} then fails until the next
     * {@link #setKey}. Bouncy Castle has no hook for this (the key lives as long as the
     * connection's record cipher), {@link #setKey} calls it before installing a new key.
     */
    public void destroy()
    {
        this.ready = false;
        this.pending = null;
        AesKey old = this.key;
        this.key = null;
        if (old != null)
        {
            old.destroy();
        }
    }

    @Override
    public void init(byte[] nonceBytes, int macSizeBytes) throws IOException
    {
        this.ready = false;
        this.pending = null;
        if (nonceBytes == null || nonceBytes.length != NONCE_LENGTH)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                "AES-GCM: nonce must be 12 octets, got " + (nonceBytes == null ? "null" : nonceBytes.length));
        }
        if (macSizeBytes != TAG_LENGTH)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                "AES-GCM: tag must be 16 octets, got " + macSizeBytes);
        }
        this.pending = new GCMParameterSpec(TAG_LENGTH * 8, nonceBytes, 0, NONCE_LENGTH); // copies the nonce
        this.ready = true;
    }

    @Override
    public int getOutputSize(int inputLength)
    {
        return encrypting ? inputLength + TAG_LENGTH : Math.max(0, inputLength - TAG_LENGTH);
    }

    @Override
    public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
        int outputOffset) throws IOException
    {
        if (key == null)
        {
            throw new IllegalStateException("AES-GCM: setKey() not called");
        }
        if (!ready)
        {
            throw new IllegalStateException("AES-GCM: init() must be called before every doFinal()");
        }
        // One nonce, one message, whatever happens below.
        this.ready = false;

        int staged = 0;
        byte[] scratch = null; // plaintext staging for providers other than SunJCE, borrowed per record
        int released = 0; // bytes of output the JCE may have written (decryption only)
        try
        {
            if (input == null || inputOffset < 0 || inputLength < 0 || inputOffset > input.length - inputLength)
            {
                throw new IllegalArgumentException("AES-GCM: invalid input range");
            }
            final int outputLength;
            if (encrypting)
            {
                if (inputLength > Integer.MAX_VALUE - TAG_LENGTH)
                {
                    throw new IllegalArgumentException("AES-GCM: message too long");
                }
                outputLength = inputLength + TAG_LENGTH;
            }
            else
            {
                if (inputLength < TAG_LENGTH)
                {
                    throw new TlsFatalAlert(AlertDescription.bad_record_mac);
                }
                outputLength = inputLength - TAG_LENGTH;
            }
            if (output == null || outputOffset < 0 || outputOffset > output.length - outputLength)
            {
                throw new IllegalArgumentException("AES-GCM: output buffer too small");
            }

            cipher.init(encrypting ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, key, pending);
            if (additionalData != null && additionalData.length > 0)
            {
                cipher.updateAAD(additionalData);
            }

            released = encrypting ? 0 : outputLength;
            if (encrypting || directDecrypt)
            {
                return checkLength(cipher.doFinal(input, inputOffset, inputLength, output, outputOffset),
                    outputLength);
            }

            // Unknown provider: it may write plaintext before it checks the tag (Bouncy Castle's
            // JCE GCM does), so stage the plaintext and release it only after doFinal succeeded.
            scratch = RecordBuffers.borrow(outputLength);
            staged = scratch.length;
            int n = checkLength(cipher.doFinal(input, inputOffset, inputLength, scratch, 0), outputLength);
            System.arraycopy(scratch, 0, output, outputOffset, n);
            return n;
        }
        catch (AEADBadTagException e)
        {
            // SunJCE on Java 25 decrypting in place leaves the unauthenticated plaintext in the
            // buffer when the tag does not match (Java 17 leaves the ciphertext): never let it stay.
            if (released > 0 && directDecrypt)
            {
                Arrays.fill(output, outputOffset, outputOffset + released, (byte)0);
            }
            throw new TlsFatalAlert(AlertDescription.bad_record_mac);
        }
        catch (GeneralSecurityException e)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-GCM: JCE failure", e);
        }
        finally
        {
            this.pending = null;
            RecordBuffers.release(scratch, staged);
        }
    }

    private static int checkLength(int produced, int expected)
    {
        if (produced != expected)
        {
            throw new IllegalStateException("AES-GCM produced " + produced + " of " + expected + " octets");
        }
        return produced;
    }

    /**
     * A raw AES key whose bytes can be zeroed ({@link javax.crypto.spec.SecretKeySpec} cannot be
     * destroyed on Java 17). {@link #getEncoded()} returns a copy, as the JCE expects.
     */
    static final class AesKey implements SecretKey
    {
        private static final long serialVersionUID = 1L;

        private final byte[] bytes;
        private volatile boolean destroyed;

        AesKey(byte[] src, int off, int len)
        {
            this.bytes = Arrays.copyOfRange(src, off, off + len);
        }

        @Override
        public String getAlgorithm()
        {
            return "AES";
        }

        @Override
        public String getFormat()
        {
            return "RAW";
        }

        @Override
        public byte[] getEncoded()
        {
            if (destroyed)
            {
                throw new IllegalStateException("AES-GCM: key has been destroyed");
            }
            return bytes.clone();
        }

        @Override
        public void destroy()
        {
            destroyed = true;
            Arrays.fill(bytes, (byte)0);
        }

        @Override
        public boolean isDestroyed()
        {
            return destroyed;
        }

        private void writeObject(ObjectOutputStream out) throws IOException
        {
            throw new NotSerializableException("AES-GCM record keys are not serializable");
        }
    }
}
