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

/** {@value SaefProperties#KEY_LOOKUP_TIMEOUT}: accepted forms, the default, and errors naming the property. */
class KeyLookupTimeoutPropertyTest {

    static Properties props(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty(SaefProperties.KEY_LOOKUP_TIMEOUT, value);
        }
        return p;
    }

    @Test
    void defaultIsFiveSeconds() throws Exception {
        assertEquals(5_000, SaefProperties.load(props(null)).keyLookupTimeoutMillis());
        assertEquals(5_000, SaefConfiguration.DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"5s|5000", "250ms|250", "250|250", "1min|60000", "PT2S|2000", "0|0", "10ms|10"})
    void acceptedForms(String value, long millis) throws Exception {
        assertEquals(millis, SaefProperties.load(props(value)).keyLookupTimeoutMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-1", "5 seconds", "9ms", "1.5s", "2147483648"})
    void badValuesAreConfigurationErrorsNamingTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props(value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.KEY_LOOKUP_TIMEOUT + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("5s"), "names the accepted forms: " + e.getMessage());
    }

    @Test
    void aNearMissInCaseIsAnError() {
        Properties p = new Properties();
        p.setProperty("saef.keylookuptimeout", "1s");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("did you mean saef.keyLookupTimeout"), e.getMessage());
    }

    @Test
    void withKeyLookupTimeoutCopiesAndKeepsTheRest() throws Exception {
        SaefConfiguration c = SaefProperties.load(props("2s")).withJdkFallback(false);
        assertEquals(2_000, c.keyLookupTimeoutMillis(), "other with-methods keep the limit");
        assertEquals(750, c.withKeyLookupTimeout(Duration.ofMillis(750)).keyLookupTimeoutMillis());
        assertTrue(c.withKeyLookupTimeout(Duration.ofMillis(750)).describe().contains("key lookup timeout 750 ms"));
        assertThrows(IllegalArgumentException.class, () -> c.withKeyLookupTimeout(Duration.ofMillis(-1)));
    }
}
