package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ConnectionEnd;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.MACAlgorithm;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipher;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * {@link AeadRecordCipher} and {@link CbcRecordCipher} against Bouncy Castle's own record ciphers
 * ({@code TlsAEADCipher}, {@code TlsBlockCipher}) on random keys, sequence numbers, content types and
 * record lengths (0 to 2^14): the same keys and sequence numbers (and, for CBC, the same explicit IVs
 * from the nonce generator) give byte-identical records; each side decodes the other's records; a
 * flipped bit or a cut record is refused with the alert Bouncy Castle gives (for CBC:
 * {@code bad_record_mac}, which {@link BadRecordMacCipher} makes of every failure).
 *
 * <p>The two sides get separate {@link TlsContext}s over equal {@link SecurityParameters} (TLS 1.2,
 * SHA-256 PRF, the same master secret and randoms), whose nonce generators produce the same sequence.
 */
class RecordCipherProperties {

    enum Suite {
        GCM_128(EncryptionAlgorithm.AES_128_GCM, MACAlgorithm._null),
        GCM_256(EncryptionAlgorithm.AES_256_GCM, MACAlgorithm._null),
        CCM_8(EncryptionAlgorithm.AES_128_CCM_8, MACAlgorithm._null),
        CCM(EncryptionAlgorithm.AES_128_CCM, MACAlgorithm._null),
        CBC_SHA256(EncryptionAlgorithm.AES_128_CBC, MACAlgorithm.hmac_sha256),
        CBC_SHA1(EncryptionAlgorithm.AES_128_CBC, MACAlgorithm.hmac_sha1),
        CBC_256_SHA384(EncryptionAlgorithm.AES_256_CBC, MACAlgorithm.hmac_sha384);

        final int encryption;
        final int mac;

        Suite(int encryption, int mac) {
            this.encryption = encryption;
            this.mac = mac;
        }

        boolean cbc() {
            return mac != MACAlgorithm._null;
        }
    }

    private static final int HEADER = 5;
    private static final SaefTlsCrypto SAEF = SaefTlsCrypto.create(new SecureRandom());
    private static final JcaTlsCrypto BC = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(new SecureRandom());

    @Property(tries = 150)
    void sameRecordsAsBouncyCastle(@ForAll Suite suite, @ForAll boolean encryptThenMac, @ForAll long seed,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE - 8) long firstSeq,
            @ForAll @IntRange(min = 0, max = 1 << 14) int length, @ForAll boolean clientWrites) throws Exception {
        Random r = new Random(seed);
        byte[] master = bytes(r, 48);
        byte[] clientRandom = bytes(r, 32);
        byte[] serverRandom = bytes(r, 32);
        boolean etm = encryptThenMac && suite.cbc();
        TlsCipher ourWriter = cipher(SAEF, suite, !clientWrites, etm, master, clientRandom, serverRandom, seed);
        TlsCipher bcWriter = cipher(BC, suite, !clientWrites, etm, master, clientRandom, serverRandom, seed);
        TlsCipher ourReader = cipher(SAEF, suite, clientWrites, etm, master, clientRandom, serverRandom, ~seed);
        TlsCipher bcReader = cipher(BC, suite, clientWrites, etm, master, clientRandom, serverRandom, ~seed);
        assertEquals(suite.cbc() ? CbcRecordCipher.class : AeadRecordCipher.class, unwrapped(ourWriter).getClass());
        assertFalse(bcWriter instanceof AeadRecordCipher || bcWriter instanceof BadRecordMacCipher);

        for (int i = 0; i < 3; i++) {
            long seq = firstSeq + i;
            short type = i == 1 ? ContentType.handshake : ContentType.application_data;
            int len = i == 1 ? Math.max(1, length / 3) : length;
            byte[] plain = bytes(r, len + 7);
            TlsEncodeResult ours = ourWriter.encodePlaintext(seq, type, ProtocolVersion.TLSv12, HEADER, plain, 7, len);
            TlsEncodeResult theirs = bcWriter.encodePlaintext(seq, type, ProtocolVersion.TLSv12, HEADER, plain, 7, len);
            assertEquals(theirs.len, ours.len, "record length");
            assertEquals(theirs.recordType, ours.recordType, "record type");
            byte[] record = Arrays.copyOfRange(ours.buf, ours.off + HEADER, ours.off + ours.len);
            assertArrayEquals(Arrays.copyOfRange(theirs.buf, theirs.off + HEADER, theirs.off + theirs.len), record,
                    suite + " seq " + seq + " len " + len);
            assertEquals(ourWriter.getCiphertextEncodeLimit(len) >= record.length, true, "encode limit");

            assertDecodes(ourReader, seq, type, record, plain, len);
            assertDecodes(bcReader, seq, type, record, plain, len);

            // a flipped bit anywhere in the record
            byte[] bad = record.clone();
            int at = r.nextInt(bad.length);
            bad[at] ^= (byte) (1 << r.nextInt(8));
            assertRefused(suite, ourReader, bcReader, seq, type, bad, "bit " + at);
            // a record cut short, and a record from another sequence number
            byte[] cut = Arrays.copyOf(record, r.nextInt(record.length));
            assertRefused(suite, ourReader, bcReader, seq, type, cut, "cut to " + cut.length);
            assertRefused(suite, ourReader, bcReader, seq + 1, type, record.clone(), "replayed");
        }
    }

    private static void assertDecodes(TlsCipher reader, long seq, short type, byte[] record, byte[] plain, int len)
            throws Exception {
        byte[] in = new byte[record.length + 9];
        System.arraycopy(record, 0, in, 9, record.length);
        TlsDecodeResult d = reader.decodeCiphertext(seq, type, ProtocolVersion.TLSv12, in, 9, record.length);
        assertEquals(type, d.contentType);
        assertArrayEquals(Arrays.copyOfRange(plain, 7, 7 + len), Arrays.copyOfRange(d.buf, d.off, d.off + d.len));
    }

    private static void assertRefused(Suite suite, TlsCipher ours, TlsCipher bc, long seq, short type, byte[] bad,
            String what) {
        TlsFatalAlert o = assertThrows(TlsFatalAlert.class,
                () -> ours.decodeCiphertext(seq, type, ProtocolVersion.TLSv12, bad.clone(), 0, bad.length), what);
        TlsFatalAlert b = assertThrows(TlsFatalAlert.class,
                () -> bc.decodeCiphertext(seq, type, ProtocolVersion.TLSv12, bad.clone(), 0, bad.length), what);
        if (suite.cbc()) {
            assertEquals(AlertDescription.bad_record_mac, o.getAlertDescription(), what);
        } else {
            assertEquals(b.getAlertDescription(), o.getAlertDescription(), what);
            assertTrue(o.getAlertDescription() == AlertDescription.bad_record_mac
                    || o.getAlertDescription() == AlertDescription.decode_error, what);
        }
    }

    /**
     * A record cipher of {@code crypto} for one side. Bouncy Castle's {@code JcaTlsCrypto} has no
     * AES-CCM, so its CCM reference is {@code TlsAEADCipher} over {@link AesCcm} (the record format is
     * Bouncy Castle's; the CCM primitive is tested on its own by AesCcmKnownAnswerTest).
     */
    static TlsCipher cipher(TlsCrypto crypto, Suite suite, boolean server, boolean etm, byte[] master,
            byte[] clientRandom, byte[] serverRandom, long nonceSeed) throws Exception {
        SecurityParameters sp = new SecurityParameters();
        set(sp, "entity", server ? ConnectionEnd.server : ConnectionEnd.client);
        set(sp, "negotiatedVersion", ProtocolVersion.TLSv12);
        set(sp, "prfAlgorithm", PRFAlgorithm.tls_prf_sha256);
        set(sp, "prfCryptoHashAlgorithm", CryptoHashAlgorithm.sha256);
        set(sp, "prfHashLength", 32);
        set(sp, "masterSecret", crypto.createSecret(master.clone()));
        set(sp, "clientRandom", clientRandom.clone());
        set(sp, "serverRandom", serverRandom.clone());
        set(sp, "encryptThenMAC", etm);
        Random nonces = new Random(nonceSeed);
        TlsNonceGenerator gen = n -> bytes(nonces, n);
        TlsContext context = (TlsContext) Proxy.newProxyInstance(TlsContext.class.getClassLoader(),
                new Class<?>[] {TlsContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getSecurityParametersHandshake", "getSecurityParametersConnection",
                            "getSecurityParameters" -> sp;
                    case "getServerVersion", "getClientVersion" -> ProtocolVersion.TLSv12;
                    case "isServer" -> server;
                    case "getNonceGenerator" -> gen;
                    case "getCrypto" -> crypto;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("test context: " + m.getName());
                });
        TlsCryptoParameters params = new TlsCryptoParameters(context);
        if (crypto == BC && (suite == Suite.CCM || suite == Suite.CCM_8)) {
            return new TlsAEADCipher(params, new AesCcm(true), new AesCcm(false), 16, suite == Suite.CCM ? 16 : 8,
                    TlsAEADCipher.AEAD_CCM, null);
        }
        return crypto.createCipher(params, suite.encryption, suite.mac);
    }

    /** The record cipher inside a {@link BadRecordMacCipher}. */
    static TlsCipher unwrapped(TlsCipher c) throws Exception {
        if (c instanceof BadRecordMacCipher) {
            Field f = BadRecordMacCipher.class.getDeclaredField("cipher");
            f.setAccessible(true);
            return (TlsCipher) f.get(c);
        }
        return c;
    }

    private static void set(SecurityParameters sp, String name, Object value) throws Exception {
        Field f = SecurityParameters.class.getDeclaredField(name);
        f.setAccessible(true);
        f.set(sp, value);
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
