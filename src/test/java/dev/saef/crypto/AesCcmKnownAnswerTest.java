package dev.saef.crypto;

import static dev.saef.crypto.CcmTestSupport.bcOpen;
import static dev.saef.crypto.CcmTestSupport.bcSeal;
import static dev.saef.crypto.CcmTestSupport.hex;
import static dev.saef.crypto.CcmTestSupport.open;
import static dev.saef.crypto.CcmTestSupport.seal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.Stream;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known-answer tests for {@link AesCcm}: RFC 3610 section 8 packet vectors, NIST SP 800-38C
 * Appendix C examples 1-4, and Wycheproof {@code aes_ccm_test.json} cases (AES-128 and AES-256,
 * 16- and 8-octet tags, 7/12/13-octet nonces, and modified-tag rejects).
 *
 * <p>Every valid vector is additionally run through Bouncy Castle's {@code CCMBlockCipher} so
 * that a mistyped vector shows up as an oracle mismatch rather than as a bug in AesCcm.
 */
class AesCcmKnownAnswerTest
{
    record Vector(String name, int tagLen, byte[] key, byte[] nonce, byte[] aad, byte[] plaintext,
        byte[] sealed, boolean valid)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    private static final String RFC_KEY_1 = "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF";
    private static final String RFC_KEY_2 = "D7828D13B2B0BDC325A76236DF93CC6B";
    private static final String NIST_KEY = "404142434445464748494a4b4c4d4e4f";

    private static Vector v(String name, int tagLen, String key, String nonce, String aad, String pt,
        String sealed)
    {
        return new Vector(name, tagLen, hex(key), hex(nonce), hex(aad), hex(pt), hex(sealed), true);
    }

    /** Wycheproof testvectors_v1/aes_ccm_test.json, identified by tcId. */
    private static Vector wy(int tcId, String result, int tagLen, String key, String iv, String aad,
        String msg, String ctAndTag)
    {
        return new Vector("Wycheproof tcId " + tcId + " (AES-" + key.length() * 4 + ", tag " + tagLen
            + ", nonce " + iv.length() / 2 + ")", tagLen, hex(key), hex(iv), hex(aad), hex(msg), hex(ctAndTag),
            "valid".equals(result));
    }

    /** RFC 3610 section 8: the header (first 8 or 12 octets) is the AAD; output shown without it. */
    static Stream<Vector> rfc3610()
    {
        return Stream.of(
            v("RFC 3610 #1", 8, RFC_KEY_1, "00000003020100A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E",
                "588C979A61C663D2F066D0C2C0F989806D5F6B61DAC38417E8D12CFDF926E0"),
            v("RFC 3610 #2", 8, RFC_KEY_1, "00000004030201A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
                "72C91A36E135F8CF291CA894085C87E3CC15C439C9E43A3BA091D56E10400916"),
            v("RFC 3610 #3", 8, RFC_KEY_1, "00000005040302A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20",
                "51B1E5F44A197D1DA46B0F8E2D282AE871E838BB64DA8596574ADAA76FBD9FB0C5"),
            v("RFC 3610 #4", 8, RFC_KEY_1, "00000006050403A0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E",
                "A28C6865939A9A79FAAA5C4C2A9D4A91CDAC8C96C861B9C9E61EF1"),
            v("RFC 3610 #5", 8, RFC_KEY_1, "00000007060504A0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E1F",
                "DCF1FB7B5D9E23FB9D4E131253658AD86EBDCA3E51E83F077D9C2D93"),
            v("RFC 3610 #6", 8, RFC_KEY_1, "00000008070605A0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E1F20",
                "6FC1B011F006568B5171A42D953D469B2570A4BD87405A0443AC91CB94"),
            v("RFC 3610 #7", 10, RFC_KEY_1, "00000009080706A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E",
                "0135D1B2C95F41D5D1D4FEC185D166B8094E999DFED96C048C56602C97ACBB7490"),
            v("RFC 3610 #8", 10, RFC_KEY_1, "0000000A090807A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
                "7B75399AC0831DD2F0BBD75879A2FD8F6CAE6B6CD9B7DB24C17B4433F434963F34B4"),
            v("RFC 3610 #9", 10, RFC_KEY_1, "0000000B0A0908A0A1A2A3A4A5", "0001020304050607",
                "08090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20",
                "82531A60CC24945A4B8279181AB5C84DF21CE7F9B73F42E197EA9C07E56B5EB17E5F4E"),
            v("RFC 3610 #10", 10, RFC_KEY_1, "0000000C0B0A09A0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E",
                "07342594157785152B074098330ABB141B947B566AA9406B4D999988DD"),
            v("RFC 3610 #11", 10, RFC_KEY_1, "0000000D0C0B0AA0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E1F",
                "676BB20380B0E301E8AB79590A396DA78B834934F53AA2E9107A8B6C022C"),
            v("RFC 3610 #12", 10, RFC_KEY_1, "0000000E0D0C0BA0A1A2A3A4A5", "000102030405060708090A0B",
                "0C0D0E0F101112131415161718191A1B1C1D1E1F20",
                "C0FFA0D6F05BDB67F24D43A4338D2AA4BED7B20E43CD1AA31662E7AD65D6DB"),
            v("RFC 3610 #13", 8, RFC_KEY_2, "00412B4EA9CDBE3C9696766CFA", "0BE1A88BACE018B1",
                "08E8CF97D820EA258460E96AD9CF5289054D895CEAC47C",
                "4CB97F86A2A4689A877947AB8091EF5386A6FFBDD080F8E78CF7CB0CDDD7B3"),
            v("RFC 3610 #15", 8, RFC_KEY_2, "00F8B678094E3B3C9696766CFA", "77B60F011C03E1525899BCAE",
                "E88B6A46C78D63E52EB8C546EFB5DE6F75E9CC0D",
                "5545FF1A085EE2EFBF52B2E04BEE1E2336C73E3F762C0C7744FE7E3C"),
            v("RFC 3610 #19", 10, RFC_KEY_2, "0027CA0C7120BC3C9696766CFA", "44A3AA3AAE6475CA",
                "A434A8E58500C6E41530538862D686EA9E81301B5AE4226BFA",
                "F2BEED7BC5098E83FEB5B31608F8E29C38819A89C8E776F1544D4151A4ED3A8B87B9CE"),
            v("RFC 3610 #24", 10, RFC_KEY_2, "008D493B30AE8B3C9696766CFA", "6E37A6EF546D955D34AB6059",
                "ABF21C0B02FEB88F856DF4A37381BCE3CC128517D4",
                "F32905B88A641B04B9C9FFB58CC390900F3DA12AB16DCE9E82EFA16DA62059"));
    }

    /** NIST SP 800-38C Appendix C; C || T is the concatenated ciphertext and tag. */
    static Stream<Vector> nist80038c()
    {
        byte[] aad4 = new byte[65536]; // C.4: Alen = 524288 bits, the octets 00..ff repeated 256 times
        for (int i = 0; i < aad4.length; ++i)
        {
            aad4[i] = (byte)i;
        }
        return Stream.of(
            v("SP 800-38C C.1", 4, NIST_KEY, "10111213141516", "0001020304050607", "20212223",
                "7162015b4dac255d"),
            v("SP 800-38C C.2", 6, NIST_KEY, "1011121314151617", "000102030405060708090a0b0c0d0e0f",
                "202122232425262728292a2b2c2d2e2f", "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd"),
            v("SP 800-38C C.3", 8, NIST_KEY, "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
                "202122232425262728292a2b2c2d2e2f3031323334353637",
                "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951"),
            new Vector("SP 800-38C C.4", 14, hex(NIST_KEY), hex("101112131415161718191a1b1c"), aad4,
                hex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
                hex("69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72"
                    + "b4ac6bec93e8598e7f0dadbcea5b"), true));
    }

    static Stream<Vector> wycheproof()
    {
        return Stream.of(
            // AES-256, 12-octet nonce, 16-octet tag (AES_256_CCM shape)
            wy(157, "valid", 16, "80ba3192c803ce965ea371d5ff073cf0f43b6a2ab576b208426e11409c09b9b0", "4da5bf8dfd5852c1ea12379d", "", "", "6dc4ef59a73ebcabb5e34c0d34d9f2d7"),
            wy(158, "valid", 16, "cc56b680552eb75008f5484b4cb803fa5063ebd6eab91f6ab6aef4916a766273", "99e23ec48985bccdeeab60f1", "", "2a", "0685ca1f6c46283cb5dd5960bd34a8dc36"),
            wy(159, "valid", 16, "51e4bf2bad92b7aff1a4bc05550ba81df4b96fabf41c12c7b00e60e48db7e152", "4f07afedfdc3b6c2361823d3", "", "be3308f72a2c6aed", "7fd4b5d3095235a3f64d10b41e3d6928741947c50ca0391f"),
            wy(160, "valid", 16, "59d4eafb4de0cfc7d3db99a8f54b15d7b39f0acc8da69763b019c1699f87674a", "2fcb1b38a99e71b84740ad9b", "", "549b365af913f3b081131ccb6b825588", "48dd9589a47e638bbbc2aa3e232fa529df69fbe1f099f0134fe2869156ab07db"),
            wy(164, "valid", 16, "5155dee9aade1cc61ee7e3f92660f7590f5e5ba82f1b59b850e3fa453d2fa6b3", "c26c4b3bfdb97ee6b0f63ca1", "", "2734e08eff8f5c4f84fa0c207f49c7fd78af1ad5123ff81f83f500edf4eda09edf", "aed24e0082e13ee15ba0506a836c78b97ef2faa3c6e8eb378dc64dd4adc998ad685ba1b48a701684d940be244c3de938d2"),
            wy(168, "valid", 16, "b907a45075513fe8a8019edee3f2591487b2a030b03c6e1d771c862571d2ea1e", "118a6964c2d3e380071f5266", "034585621af8d7ff", "55a465644f5b650928cbee7c063214d6", "ab01f92db4f210bdb5edaf0a1bd19eba621630c505d24e3b29294977d8ffa4b4"),
            wy(169, "valid", 16, "f60c6a1b625725f76c7037b48fe3577fa7f7b87b1bd5a982176d182306ffb870", "f0384fb876121410633d993d", "9aaf299eeea78f79", "63858ca3e2ce69887b578a3c167b421c9c", "f05e290bbbc61927fa65760648dcca88b0b721be96a6b95c0931fb243dd1287c70"),
            wy(180, "valid", 16, "6432717f1db85e41ac7836bce25185a080d5762b9e2b18444b6ec72c3bd8e4dc", "87a3163ec0598ad95b3aa713", "b648", "02cde168fba3f544bbd0332f7adeada8", "e017bf1ddd279886f7545365f1465cc76dcab79d1ddab4f3ad8b4af72318eb1b"),
            wy(203, "valid", 16, "6905f2c4d63a7ba7e9366ba6c3bbf6e3552d569eb55321beba3f8d98a182b97d", "49e08c06dbae3ff5cb7d9ecd", "aba0c44e9f9399748f4a7e919ceb8a62", "b56254e221cf558ea7d9194eecd63ed5", "68e66f433c3cf9e4247225682f4c73a407f53a76b84460ecf4aa1813e5170b2f"),
            wy(207, "valid", 16, "f59abcbf4218bd5c7601f080b5fbd3ae088733702c8fbef0c5296a406f563827", "a5eb0e6fe669e68239ace550", "d603491fbf0950d36489abb40dd8d42b", "97dcbacd70a678cfaed13c942cf920e851ec3e6fb1f6c6eb95f1c965fb1a13", "c0b27edd6533cfba81323ac78d0aeb0371b1d7b89938e04c319148961513fb56aabbde47ab2c53db48703033f8ca68"),
            // AES-256, 7- and 13-octet nonces
            wy(307, "valid", 16, "491828f2dddcff5f966e6627f4b6a85a2ea76fd1e0b6117a13e94d0e81c063a5", "4feedf9d9c07e0", "", "", "1ca0a418f337a4c04f2123fefd31796d"),
            wy(312, "valid", 16, "7beb1e06b585fada875fc610c3cbfb9788fea291436410487d8a844c217dfbb7", "37af0974ce2851", "233013d917f3ad76", "e0396376c6e74aaf27f933b6d59f1bcf8c", "81f8499c64ed65e4d996f8b2c6484de1e26db4b7c55fcca5fedee971a4a122bbfe"),
            wy(337, "valid", 16, "a4994b65143536707b151ee6e79e69ab9c6d73000819fd2991dd28abede6b3e8", "ac64444972d778d52f5531ae88", "", "", "8f3530c8adf86ebc6c4497cede15ccd9"),
            wy(340, "valid", 16, "a6938b2e56d5dc55665956840ac690c8ac9ff421cc062fc34209f7715f2d526e", "ad37de72d3521546d5ff51462b", "0a3809bc563c6675", "9d286bcc115f10b2caa8c5d8daa91ec7", "4ed4dbc8aa8cf6375021d15e43c1f6c3bfba9c41ec63aa296b1446b888b6251c"),
            wy(342, "valid", 16, "004c6ca04078bdfd557f915025a8ec93b5368b86caf3d657432a5e1d1cef9917", "999d95edb925e7744e32874009", "082c1433bb64e110", "0552fcb52c498d91b89897ae6f640e1f5a", "5b4708b72b68466639e4b5f3d3da1d1e84f7f0c0e0c01bf772cbd90cb98093dfb8"),
            // AES-128, 12-octet nonce, 8-octet tag (AES_128_CCM_8 shape)
            wy(359, "valid", 8, "5afb73f37d05147566a7ac9734eba3ff", "026dd125c98ef1507f6d1d15", "", "", "a4c4b136625f0243"),
            wy(361, "valid", 8, "22ed64b5b94a3c4116d02b4fbd4e5881", "f498fd65dab234520de52920", "", "94b03b07772b70562bc729505b4ad426", "4c4dfe9711b320264f3a57ecdcd59850b13aea2980767fd7"),
            wy(362, "valid", 8, "ea5a915fd7be0aaf14b88f5dc4fd719a", "aeecf19f7d3379ee55ba6468", "13791aad5812a362291a4f6d63687d33", "d313e09cd48b06f16ef9178e42624bd0", "f9bc9a66186b6a60035d144dfb34c4af2fb637ff91d6fd9e"),
            wy(364, "valid", 8, "03ad5f472b978c5f72b7b1c29080374c", "770dcc2ea1c2d9f6c904947d", "972c90e387f0af936b1c9db0ebfebbe9", "78470511caf12cb882628092bb573bde8c", "3fb22c2c366c0a46ba1640eccb544dbdd23ec7c4888a1288fc"),
            wy(366, "valid", 8, "c08339a6f80b84e201e3d6030cdb3f02", "1cbf2ca31330abe749db588b", "b535a847dfc962012d913a4076f58f9f", "4f9fd6ad1656cce99af7469960073a241569ce32dad558111b50306053a0b6", "c91d4c8bf7fdba49b87001fc3ec95f455ba32bc05ba336bc3d58f4ad08b5bc34d622fe4ba3cac5"),
            // AES-256, 12-octet nonce, 8-octet tag (AES_256_CCM_8 shape)
            wy(455, "valid", 8, "d2a41cd9ce5e917d16b9ab55819ef8501e06aa78ef132fd3ebe6fecd91beb39b", "f71bf6bc21c6d6354e4b4cdf", "", "", "23928a009d21a10f"),
            wy(456, "valid", 8, "882107ab29053d4b44c87b5bb94937211c20528da9ac490f6c574caecdcd2f17", "e6a13537bb7f2af749b31823", "e9ee32e6f197e40204682dac42dd4c75", "", "5773c725f2f94617"),
            wy(457, "valid", 8, "b967091c98bb64922430833d1b553326b8e91b6ef7141971cc8e8cc5f6ef6170", "a5dd076d8a9dc3d7ec43d04f", "", "c8a331b554e6c7b0783c53fee6f1618e", "99b5c22225e5325f9aa9599a34deec59e9c93619d33d268d"),
            wy(458, "valid", 8, "7160434720504dce28845625a3423166d9b5025d975c6ee47299bb5bd677dbeb", "0296c95b44c17463434c7e19", "19082bf57b6c4130eac58c0526a044ee", "c66a48615b62d2d85ea82ee4d528a03a", "8934ea7afb44fdca4027ed9bbb247358b333f0e1383cf3e8"),
            wy(460, "valid", 8, "47f664e6790f3e25bc410d847f38662f045f0aa3641429edf8099f4b4df32f06", "f092a357b5ef0c975ee169c4", "338b4cc60ec151fa283c1cb10e722d9d", "b01dfe724166a2bc98cbb96cf540028a0e", "d7746f186aabfa36685481ec8a7f0022e841158292a1d87cfd"),
            wy(462, "valid", 8, "110480ea9c9f4c5e6b5be01a2aafc861d1370c243aff9faafd0a92a9d18e5845", "0e5cf683e13204cf91a2d4b6", "c490a5fa19b97c3e3adf20bc4df51140", "c92ec3d6a2c2fa19c45be7107a48a9ea0fe46a92978b5dabb3f94b457b5fbd", "bb5110dd12bd3d12144c8de55b3b2677fc7084d56afcc6a76a5228fff8dbd3e39b0d1174f7609b"),
            // AES-256 modified tags: must be rejected
            wy(208, "invalid", 16, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "505152535455565758595a5b", "", "202122232425262728292a2b2c2d2e2f", "9d2a30abc5e178f7c6317ec9498dac398ac2dd770de58f0b92802fdcb9d7d410"),
            wy(230, "invalid", 16, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "505152535455565758595a5b", "", "202122232425262728292a2b2c2d2e2f", "9d2a30abc5e178f7c6317ec9498dac39743d2288f21a70f46d7fd02346282bef"),
            wy(231, "invalid", 16, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "505152535455565758595a5b", "", "202122232425262728292a2b2c2d2e2f", "9d2a30abc5e178f7c6317ec9498dac3900000000000000000000000000000000"));
    }

    static Stream<Vector> all()
    {
        return Stream.of(rfc3610(), nist80038c(), wycheproof()).flatMap(s -> s);
    }

    static Stream<Vector> valid()
    {
        return all().filter(Vector::valid);
    }

    static Stream<Vector> invalid()
    {
        return all().filter(v -> !v.valid());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void vectorAgreesWithBouncyCastleOracle(Vector v)
    {
        // Guards the vector table itself against typos.
        assertEquals(hex(v.sealed()), hex(bcSeal(v.key(), v.nonce(), v.aad(), v.plaintext(), v.tagLen())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void sealMatchesVector(Vector v) throws Exception
    {
        assertEquals(hex(v.sealed()), hex(seal(v.key(), v.nonce(), v.aad(), v.plaintext(), v.tagLen())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void openMatchesVector(Vector v) throws Exception
    {
        assertEquals(hex(v.plaintext()), hex(open(v.key(), v.nonce(), v.aad(), v.sealed(), v.tagLen())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void openInPlaceMatchesVector(Vector v) throws Exception
    {
        byte[] record = new byte[3 + v.sealed().length + 5];
        System.arraycopy(v.sealed(), 0, record, 3, v.sealed().length);
        AesCcm dec = CcmTestSupport.cipher(false, v.key());
        dec.init(v.nonce(), v.tagLen());
        int n = dec.doFinal(v.aad(), record, 3, v.sealed().length, record, 3);
        assertEquals(v.plaintext().length, n);
        assertArrayEquals(v.plaintext(), Arrays.copyOfRange(record, 3, 3 + n));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void sealInPlaceMatchesVector(Vector v) throws Exception
    {
        byte[] record = new byte[7 + v.sealed().length];
        System.arraycopy(v.plaintext(), 0, record, 7, v.plaintext().length);
        AesCcm enc = CcmTestSupport.cipher(true, v.key());
        enc.init(v.nonce(), v.tagLen());
        int n = enc.doFinal(v.aad(), record, 7, v.plaintext().length, record, 7);
        assertEquals(v.sealed().length, n);
        assertArrayEquals(v.sealed(), Arrays.copyOfRange(record, 7, 7 + n));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidVectorIsRejectedWithoutReleasingPlaintext(Vector v) throws Exception
    {
        assertNull(bcOpen(v.key(), v.nonce(), v.aad(), v.sealed(), v.tagLen()), "oracle must reject too");

        AesCcm dec = CcmTestSupport.cipher(false, v.key());
        dec.init(v.nonce(), v.tagLen());
        byte[] out = new byte[v.plaintext().length];
        Arrays.fill(out, (byte)0x5A);
        TlsFatalAlert e = assertThrows(TlsFatalAlert.class,
            () -> dec.doFinal(v.aad(), v.sealed(), 0, v.sealed().length, out, 0));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        byte[] untouched = new byte[out.length];
        Arrays.fill(untouched, (byte)0x5A);
        assertArrayEquals(untouched, out);
    }
}
