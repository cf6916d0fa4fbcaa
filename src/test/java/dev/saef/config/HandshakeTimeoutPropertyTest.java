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

/** {@value SaefProperties#HANDSHAKE_TIMEOUT}: accepted forms, the default, and errors naming the property. */
class HandshakeTimeoutPropertyTest {

    static Properties props(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty(SaefProperties.HANDSHAKE_TIMEOUT, value);
        }
        return p;
    }

    @Test
    void defaultIsSixtySeconds() throws Exception {
        assertEquals(60_000, SaefProperties.load(props(null)).handshakeTimeoutMillis());
        assertEquals(60_000, SaefConfiguration.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "60s|60000", "90000|90000", "90000ms|90000", "2min|120000", "2 MIN|120000", " 5 s |5000", "PT90S|90000",
        "pt1m30s|90000", "0|0", "0s|0", "PT0S|0", "100|100", "2147483647|2147483647"})
    void acceptedForms(String value, long millis) throws Exception {
        SaefConfiguration c = SaefProperties.load(props(value));
        assertEquals(millis, c.handshakeTimeoutMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-1", "-5s", "1s5", "5 seconds", "60h", "1.5s", "PT-1S", "P", "99", "50ms",
        "2147483648", "40000min", "9999999999999"})
    void badValuesAreConfigurationErrorsNamingTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props(value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.HANDSHAKE_TIMEOUT + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("60s"), "names the accepted forms: " + e.getMessage());
    }

    @Test
    void aNearMissInCaseIsAnError() {
        Properties p = new Properties();
        p.setProperty("saef.handshaketimeout", "30s");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("did you mean saef.handshakeTimeout"), e.getMessage());
    }

    @Test
    void withHandshakeTimeoutCopiesAndKeepsTheRest() throws Exception {
        SaefConfiguration c = SaefProperties.load(props("30s")).withJdkFallback(false);
        assertEquals(30_000, c.handshakeTimeoutMillis(), "other with-methods keep the limit");
        SaefConfiguration d = c.withHandshakeTimeout(Duration.ofSeconds(5));
        assertEquals(5_000, d.handshakeTimeoutMillis());
        assertEquals(false, d.jdkFallback());
        assertTrue(d.describe().contains("handshake timeout 5000 ms"), d.describe());
        assertEquals(0, d.withHandshakeTimeout(Duration.ZERO).handshakeTimeoutMillis());
        assertThrows(IllegalArgumentException.class, () -> c.withHandshakeTimeout(Duration.ofMillis(-1)));
    }
}
