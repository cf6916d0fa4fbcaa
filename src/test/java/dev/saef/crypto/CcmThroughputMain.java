package dev.saef.crypto;

import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

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
 * It also prints, for comparison with {@code BulkThroughputBenchmark} (whose MB/s count each byte
 * once although it is sealed by the client AND opened by the server), {@link AesCcm} seal + open
 * per record, and the two SunJCE passes CCM is made of: {@code AES/CBC} encryption (the CBC-MAC,
 * inherently serial: each block waits for the previous one, so it runs at the latency of AES, not
 * its throughput) and {@code AES/CTR} (parallel). The seal-only figure is therefore an upper bound
 * of twice what the TLS record path can reach.
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

        AesCcm opener = new AesCcm(false);
        opener.setKey(key, 0, key.length);
        byte[] back = new byte[RECORD];
        Sealer sealOpen = seq -> {
            jdk.seal(seq);
            opener.init(nonce, tagLen); // jdk.seal left the nonce for seq in place
            if (opener.doFinal(aad, out1, 0, RECORD + tagLen, back, 0) != RECORD)
            {
                throw new IllegalStateException("open failed");
            }
        };
        SecretKeySpec keySpec = new SecretKeySpec(key, "AES");
        Cipher cbc = Cipher.getInstance("AES/CBC/NoPadding", "SunJCE");
        cbc.init(Cipher.ENCRYPT_MODE, keySpec, new IvParameterSpec(new byte[16]));
        Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
        byte[] counter = new byte[16];
        byte[] out3 = new byte[RECORD];
        Sealer cbcOnly = seq -> cbc.doFinal(payload, 0, RECORD, out3, 0);
        Sealer ctrOnly = seq -> {
            counter[0] = (byte)seq; // a different counter block each time, as per record in CCM
            ctr.init(Cipher.ENCRYPT_MODE, keySpec, new IvParameterSpec(counter));
            ctr.doFinal(payload, 0, RECORD, out3, 0);
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
        run("warm-up AesCcm seal + open", sealOpen, 1.0, false);
        run("AesCcm seal + open (as Bulk bench)", sealOpen, seconds, true);
        run("warm-up AES/CBC", cbcOnly, 1.0, false);
        run("SunJCE AES/CBC encrypt (CBC-MAC)", cbcOnly, seconds, true);
        run("warm-up AES/CTR", ctrOnly, 1.0, false);
        run("SunJCE AES/CTR (CCM encryption)", ctrOnly, seconds, true);
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
