package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@value SaefProperties#DTLS_CONNECTION_ID_LENGTH} (RFC 9146): off by default, the accepted lengths, errors. */
class ConnectionIdPropertyTest {

    static Properties props(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty(SaefProperties.DTLS_CONNECTION_ID_LENGTH, value);
        }
        return p;
    }

    @Test
    void offByDefault() throws Exception {
        SaefConfiguration c = SaefProperties.load(props(null));
        assertEquals(0, c.connectionIdLength());
        assertFalse(c.describe().contains("connection ID"), c.describe());
    }

    @ParameterizedTest
    @CsvSource({"0,0", "4,4", "8,8", " 16 ,16", "32,32"})
    void acceptedLengths(String value, int length) throws Exception {
        SaefConfiguration c = SaefProperties.load(props(value));
        assertEquals(length, c.connectionIdLength());
        assertEquals(length != 0, c.describe().contains("DTLS connection IDs of " + length + " octets"), c.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "on", "true", "-1", "1", "3", "33", "255", "256", "8 octets", "1e3", "0x08"})
    void badValuesAreConfigurationErrorsNamingThePropertyAndTheRange(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props(value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.DTLS_CONNECTION_ID_LENGTH + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("use 0 (off, default) or a length in octets from 4 to 32"), e.getMessage());
    }

    @Test
    void aNearMissInCaseIsAnError() {
        Properties p = new Properties();
        p.setProperty("saef.dtls.connectionIDLength", "8");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("did you mean " + SaefProperties.DTLS_CONNECTION_ID_LENGTH), e.getMessage());
    }

    @Test
    void theBuilderChecksTooAndCopiesKeepTheLength() throws Exception {
        SaefConfiguration c = SaefProperties.load(props("8")).withJdkFallback(false);
        assertEquals(8, c.connectionIdLength(), "other with-methods keep the length");
        assertEquals(0, c.withConnectionIdLength(0).connectionIdLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withConnectionIdLength(2));
        assertTrue(e.getMessage().contains(SaefProperties.DTLS_CONNECTION_ID_LENGTH), e.getMessage());
    }
}
