package dev.saef.crypto;

import java.security.SecureRandom;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.modes.CCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Throwaway throughput check (not a test): seals 16 KB TLS-shaped records (RFC 6655 AES-CCM
 * record protection, CCM per RFC 3610: 12-octet nonce, 13-octet AAD) for about 3 s each with
 * {@link AesCcm} and with Bouncy Castle's {@code CCMBlockCipher(AESEngine)}, and prints MB/s.
 * The default tag length is 16; pass 8 for the CCM_8 shape of {@code TLS_PSK_WITH_AES_128_CCM_8},
 * the suite oneM2M TS-0003 clause 10.2.2 makes mandatory for DTLS.
 *
 * <p>Usage: {@code java -cp target/test-classes:target/classes:<deps> dev.saef.crypto.CcmThroughputMain
 * [seconds] [keyBytes] [tagBytes]}
 */
public final class CcmThroughputMain
{
    private static final int RECORD = 16 * 1024;

    private CcmThroughputMain()
    {
    }

    interface Sealer
    {
        void seal(long seq) throws Exception;
    }

    public static void main(String[] args) throws Exception
    {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
        int keyLen = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int tagLen = args.length > 2 ? Integer.parseInt(args[2]) : 16;

        SecureRandom random = new SecureRandom();
        byte[] key = new byte[keyLen];
        byte[] payload = new byte[RECORD];
        byte[] aad = new byte[13];
        random.nextBytes(key);
        random.nextBytes(payload);
        random.nextBytes(aad);
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);

        AesCcm aesCcm = new AesCcm(true);
        aesCcm.setKey(key, 0, key.length);
        byte[] out1 = new byte[RECORD + tagLen];
        Sealer jdk = seq -> {
            setSeq(nonce, seq);
            aesCcm.init(nonce, tagLen);
            aesCcm.doFinal(aad, payload, 0, RECORD, out1, 0);
        };

        CCMModeCipher bc = CCMBlockCipher.newInstance(AESEngine.newInstance());
        KeyParameter keyParam = new KeyParameter(key);
        byte[] out2 = new byte[RECORD + tagLen];
        Sealer bouncy = seq -> {
            setSeq(nonce, seq);
            bc.init(true, new AEADParameters(keyParam, tagLen * 8, nonce.clone(), aad));
            int n = bc.processBytes(payload, 0, RECORD, out2, 0);
            try
            {
                bc.doFinal(out2, n);
            }
            catch (InvalidCipherTextException e)
            {
                throw new IllegalStateException(e);
            }
        };

        // sanity: both produce the same record
        jdk.seal(1);
        bouncy.seal(1);
        if (!java.util.Arrays.equals(out1, out2))
        {
            throw new IllegalStateException("AesCcm and BC CCM disagree");
        }

        System.out.printf("AES-%d-CCM, tag %d, %d-byte records, %s%n", keyLen * 8, tagLen, RECORD,
            System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        run("warm-up AesCcm", jdk, 1.0, false);
        run("warm-up BC", bouncy, 1.0, false);
        run("AesCcm (SunJCE AES/CBC + AES/CTR)", jdk, seconds, true);
        run("BC CCMBlockCipher(AESEngine)", bouncy, seconds, true);
    }

    private static void setSeq(byte[] nonce, long seq)
    {
        for (int i = 0; i < 8; ++i)
        {
            nonce[11 - i] = (byte)(seq >>> (8 * i));
        }
    }

    private static void run(String name, Sealer sealer, double seconds, boolean print) throws Exception
    {
        long deadline = System.nanoTime() + (long)(seconds * 1e9);
        long start = System.nanoTime();
        long records = 0;
        while (System.nanoTime() < deadline)
        {
            sealer.seal(records++);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (print)
        {
            System.out.printf("%-36s %8.1f MB/s  (%d records in %.2f s)%n", name,
                records * (double)RECORD / elapsed / 1e6, records, elapsed);
        }
    }
}
