package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DTLS handshake limits ({@link DtlsLimits}): {@value SaefProperties#DTLS_HANDSHAKE_TIMEOUT},
 * {@value SaefProperties#DTLS_HANDSHAKE_THREADS}, {@value SaefProperties#DTLS_PEER_HANDSHAKE_MEMORY} and
 * {@value SaefProperties#DTLS_HANDSHAKE_MEMORY}: defaults, accepted forms, and errors naming the property.
 */
class DtlsLimitsPropertiesTest {

    static Properties props(String... nameValue) {
        Properties p = new Properties();
        for (int i = 0; i < nameValue.length; i += 2) {
            p.setProperty(nameValue[i], nameValue[i + 1]);
        }
        return p;
    }

    @Test
    void defaults() throws Exception {
        SaefConfiguration c = SaefProperties.load(props());
        assertEquals(DtlsLimits.DEFAULTS, c.dtlsLimits());
        assertEquals(60_000, c.dtlsHandshakeTimeoutMillis());
        assertEquals(16, c.dtlsLimits().handshakeThreads());
        assertEquals(64 * 1024, c.dtlsLimits().peerHandshakeMemory());
        assertEquals(16 * 1024 * 1024, c.dtlsLimits().handshakeMemory());
    }

    @Test
    void theDtlsTimeoutFollowsTheSocketTimeoutUnlessSetButIsNeverUnlimited() throws Exception {
        assertEquals(20_000, SaefProperties.load(props(SaefProperties.HANDSHAKE_TIMEOUT, "20s"))
                .dtlsHandshakeTimeoutMillis());
        assertEquals(60_000, SaefProperties.load(props(SaefProperties.HANDSHAKE_TIMEOUT, "0"))
                .dtlsHandshakeTimeoutMillis(), "no socket limit: a DTLS handshake still ends after 60 s");
        SaefConfiguration both = SaefProperties.load(props(SaefProperties.HANDSHAKE_TIMEOUT, "20s",
                SaefProperties.DTLS_HANDSHAKE_TIMEOUT, "2min"));
        assertEquals(120_000, both.dtlsHandshakeTimeoutMillis());
        assertEquals(20_000, both.handshakeTimeoutMillis());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"60s|60000", "500ms|500", "100|100", "PT2M|120000", " 3 s |3000"})
    void timeoutForms(String value, long millis) throws Exception {
        assertEquals(millis, SaefProperties.load(props(SaefProperties.DTLS_HANDSHAKE_TIMEOUT, value))
                .dtlsHandshakeTimeoutMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "PT0S", "", "abc", "-1s", "99", "2147483648", "1.5s"})
    void badTimeoutsNameTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(props(SaefProperties.DTLS_HANDSHAKE_TIMEOUT, value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.DTLS_HANDSHAKE_TIMEOUT + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("60s"), "names the accepted forms: " + e.getMessage());
    }

    @Test
    void zeroTimeoutSaysWhy() {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(props(SaefProperties.DTLS_HANDSHAKE_TIMEOUT, "0")));
        assertTrue(e.getMessage().contains("holds a handshake thread for ever"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1|1", "4|4", " 32 |32", "4096|4096"})
    void threads(String value, int n) throws Exception {
        assertEquals(n, SaefProperties.load(props(SaefProperties.DTLS_HANDSHAKE_THREADS, value)).dtlsLimits()
                .handshakeThreads());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "4097", "", "many", "1.5", "99999999999"})
    void badThreadCountsNameTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(props(SaefProperties.DTLS_HANDSHAKE_THREADS, value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.DTLS_HANDSHAKE_THREADS + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("from 1 to 4096"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"64KiB|65536", "20000|20000", "1 MiB|1048576", "32kib|32768", "18445b|18445"})
    void memorySizes(String value, long bytes) throws Exception {
        DtlsLimits l = SaefProperties.load(props(SaefProperties.DTLS_PEER_HANDSHAKE_MEMORY, value)).dtlsLimits();
        assertEquals(bytes, l.peerHandshakeMemory());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lots", "-1", "1000", "18444", "1GB", "2 TiB", "9999999999999MiB"})
    void badMemorySizesNameTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(props(SaefProperties.DTLS_PEER_HANDSHAKE_MEMORY, value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.DTLS_PEER_HANDSHAKE_MEMORY + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("KiB or MiB"), e.getMessage());
    }

    @Test
    void theTotalMustHoldOnePeer() {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props(
                SaefProperties.DTLS_PEER_HANDSHAKE_MEMORY, "1MiB", SaefProperties.DTLS_HANDSHAKE_MEMORY, "512KiB")));
        assertTrue(e.getMessage().startsWith(SaefProperties.DTLS_HANDSHAKE_MEMORY + " (524288 bytes) is less than "
                + SaefProperties.DTLS_PEER_HANDSHAKE_MEMORY), e.getMessage());
    }

    @Test
    void aNearMissInCaseIsAnError() {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(props("saef.dtls.handshaketimeout", "30s")));
        assertTrue(e.getMessage().contains("did you mean " + SaefProperties.DTLS_HANDSHAKE_TIMEOUT), e.getMessage());
    }

    @Test
    void builderAndDescription() {
        SaefConfiguration c = SaefConfiguration.builder().dtlsHandshakeTimeout(Duration.ofSeconds(5))
                .dtlsLimits(DtlsLimits.DEFAULTS.withHandshakeTimeoutMillis(5000).withHandshakeThreads(2)).build();
        assertEquals(5000, c.dtlsHandshakeTimeoutMillis());
        assertEquals(2, c.dtlsLimits().handshakeThreads());
        assertEquals(2, c.toBuilder().build().dtlsLimits().handshakeThreads(), "toBuilder keeps the limits");
        assertTrue(c.describe().contains("DTLS handshakes: timeout 5000 ms, 2 threads"), c.describe());
        assertThrows(IllegalArgumentException.class,
                () -> SaefConfiguration.builder().dtlsHandshakeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> DtlsLimits.DEFAULTS.withHandshakeThreads(0));
        assertThrows(IllegalArgumentException.class, () -> DtlsLimits.DEFAULTS.withHandshakeMemory(100, 100));
    }
}
